#!/usr/bin/env python3
"""Compiles every CUDA source with `nvcc -Xptxas -v`, prints each kernel's
registers, stack frame, spills, static shared memory and theoretical
occupancy, and fails (exit 1) when a kernel spills registers or, for
cleave's own kernels, has a stack frame.

Policy (bench/RESULTS.md, "Kernel resources"):
  - no kernel may spill (spill stores or loads > 0 bytes): spills go to
    local memory, which is DRAM-backed and slow;
  - cleave's own kernels (names in namespace cleave) must have a 0-byte
    stack frame: a frame means per-thread local memory (an array indexed at
    run time, or a call that is not inlined);
  - kernels instantiated from Thrust/CUB templates may keep a small frame
    (up to 64 bytes) that their code allocates; larger fails too;
  - STACK_ALLOWED lists cleave kernels whose frame is known, with the most
    they may use: the check fails if one grows.

Occupancy is theoretical, for H100/H200 (sm_90): 65,536 registers, 2,048
threads, 32 blocks and 228 KiB shared memory (227 KiB per block, 1 KiB
reserved per block) per SM; registers are allocated per warp in units of
256. Block sizes: 256 for the tile kernels (their launch bounds), and 256 is
assumed for library kernels, whose block size Thrust picks at run time.

usage: scripts/ptxas-check.py [--arch 90] [--jobs 2] [--markdown]
"""
import argparse
import concurrent.futures
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
NVCC = shutil.which("nvcc") or "/usr/local/cuda/bin/nvcc"
CUFILT = shutil.which("cu++filt") or shutil.which("c++filt")

# Dynamic shared memory of the tile kernels at the default histograms
# (kernels/fingerprint_kernel.hpp and cosine_kernel.hpp shared_bytes()):
# 1000 bins (fingerprints), 2000 bins (embedding cosine).
DYNAMIC_SMEM = {
    "FingerprintTileBody": 8 * 2 * 2 * 256 + 8 + 4 * (8 + 256 + 1000),
    "CosineThresholdBody": 8 + 4 * (8 + 256 + 2000),
    # kernels/search_kernel.hpp: word tiles, counts and 64 x 16 best candidates.
    "SearchTileBody": 8 * 2 * 2 * 256 + 8 + 4 * (8 + 256 + 2 * 64 * 16),
    # kernels/align_survivor.hpp: the matrix as int32 and 4 warps' query stages.
    "SurvivorBody": 4 * 24 * 24 + 4 * 1024,
    # kernels/prefilter_score.hpp: the substitution matrix as int8.
    "EventScoreBody": 24 * 24,  # both stages
}
THIRD_PARTY_STACK_LIMIT = 64
# Kernels of cleave's own allowed a stack frame, by name: none. (The
# alignment tile kernel had 32 bytes until its strip stopped indexing a
# register array at run time.)
STACK_ALLOWED = {}


def compile_one(src, arch):
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [NVCC, "-O3", "-DNDEBUG", "-DCLEAVE_HAVE_CUDA=1", "-DCLEAVE_HAVE_CUBLAS=1",
               f"-gencode=arch=compute_{arch},code=sm_{arch}", "--expt-relaxed-constexpr",
               "--extended-lambda", "-std=c++20", f"-I{ROOT}", f"-I{ROOT}/include",
               f"-I{ROOT}/src", "-Xptxas", "-v", "-c", str(src), "-o",
               os.path.join(tmp, "out.o")]
        r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout + r.stderr)
        raise SystemExit(f"ptxas-check: nvcc failed on {src}")
    return r.stderr + r.stdout


def parse(text, src):
    kernels, cur = [], None
    for line in text.splitlines():
        m = re.search(r"Compiling entry function '(\S+)' for '(sm_\d+\w*)'", line)
        if m:
            cur = {"mangled": m.group(1), "arch": m.group(2), "src": src, "stack": 0,
                   "spill_st": 0, "spill_ld": 0, "regs": 0, "smem": 0}
            kernels.append(cur)
            continue
        if cur is None:
            continue
        m = re.search(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads",
                      line)
        if m:
            cur["stack"], cur["spill_st"], cur["spill_ld"] = map(int, m.groups())
        m = re.search(r"Used (\d+) registers", line)
        if m:
            cur["regs"] = int(m.group(1))
            m2 = re.search(r"(\d+) bytes smem", line)
            cur["smem"] = int(m2.group(1)) if m2 else 0
    return kernels


def demangle(names):
    if not CUFILT:
        return names
    r = subprocess.run([CUFILT], input="\n".join(names), capture_output=True, text=True)
    out = r.stdout.splitlines()
    return out if len(out) == len(names) else names


def occupancy(regs, smem, threads=256):
    warps_per_block = (threads + 31) // 32
    regs_per_warp = ((max(regs, 1) * 32 + 255) // 256) * 256
    by_regs = (65536 // regs_per_warp) // warps_per_block
    by_smem = (228 * 1024) // (smem + 1024) if smem > 0 else 32
    by_threads = 2048 // threads
    blocks = min(by_regs, by_smem, by_threads, 32)
    return blocks, blocks * threads / 2048


def short(name):
    """A readable kernel name: no return type, namespaces or parameters."""
    for key in ("FingerprintTileBody<cleave::kernels::TanimotoOp>",
                "FingerprintTileBody<cleave::kernels::DiceOp>",
                "FingerprintTileBody<cleave::kernels::BitCosineOp>", "CosineThresholdBody",
                "SearchTileBody<cleave::kernels::TanimotoOp>",
                "SearchTileBody<cleave::kernels::DiceOp>",
                "SearchTileBody<cleave::kernels::BitCosineOp>"):
        if key in name:
            return "run_body_kernel<" + key.replace("cleave::kernels::", "") + ">"
    name = name.replace("(anonymous namespace)::", "")
    name = re.sub(r"^void ", "", name)
    name = re.sub(r"cub::CUB_\d+_SM_\d+::detail::", "cub::", name)
    name = re.sub(r"THRUST_\d+_SM_\d+_NS::", "", name)
    name = re.sub(r"cleave::\w+::", "", name)
    depth, cut = 0, len(name)
    for i, ch in enumerate(name):  # the parameter list starts at the first '(' outside <>
        depth += ch == "<"
        depth -= ch == ">"
        if ch == "(" and depth == 0:
            cut = i
            break
    name = name[:cut]
    return re.sub(r"<.*", "<...>", name) if len(name) > 70 else name


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", default="90")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("JOBS", "2")))
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = ap.parse_args()
    args.arch = re.match(r"\d+a?", args.arch).group(0)  # "90-real" -> "90"
    srcs = sorted(p for p in (ROOT / "src").rglob("*.cu")) + sorted((ROOT / "kernels").rglob("*.cu"))
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        outs = list(ex.map(lambda s: (s, compile_one(s, args.arch)), srcs))
    kernels = []
    for src, text in outs:
        kernels += parse(text, src.relative_to(ROOT))
    for k, name in zip(kernels, demangle([k["mangled"] for k in kernels])):
        k["name"] = name
    failures = []
    rows = []
    for k in kernels:
        own = "cleave::" in k["name"] and "thrust::" not in k["name"] and "cub::" not in k["name"]
        dyn = next((v for key, v in DYNAMIC_SMEM.items() if key in k["name"]), 0)
        blocks, occ = occupancy(k["regs"], k["smem"] + dyn)
        rows.append((str(k["src"]), short(k["name"]), k["regs"], k["stack"],
                     k["spill_st"] + k["spill_ld"], k["smem"], dyn, blocks, occ))
        if k["spill_st"] or k["spill_ld"]:
            failures.append(f"{k['name']}: spills {k['spill_st']} B stores, {k['spill_ld']} B loads")
        allowed = next((v for key, v in STACK_ALLOWED.items() if key in k["name"]), 0)
        if own and k["stack"] > allowed:
            failures.append(f"{k['name']}: {k['stack']} B stack frame (local memory; "
                            f"allowed {allowed} B)")
        if not own and k["stack"] > THIRD_PARTY_STACK_LIMIT:
            failures.append(f"{k['name']}: {k['stack']} B stack frame (over {THIRD_PARTY_STACK_LIMIT})")
    # One row per distinct (source, kernel, figures): Thrust instantiates many look-alikes.
    seen, uniq = set(), []
    for r in rows:
        if r not in seen:
            seen.add(r)
            uniq.append(r)
    if args.markdown:
        print(f"| source | kernel (sm_{args.arch}) | regs | stack B | spill B | static smem B "
              "| dynamic smem B | blocks/SM @256 | occupancy |")
        print("|---|---|---|---|---|---|---|---|---|")
        for r in uniq:
            print(f"| {r[0]} | `{r[1]}` | {r[2]} | {r[3]} | {r[4]} | {r[5]} | {r[6]} | {r[7]} "
                  f"| {r[8]:.0%} |")
    else:
        for r in uniq:
            print(f"{r[0]:<32} regs {r[2]:>3} stack {r[3]:>4} spill {r[4]:>4} smem {r[5]:>6}+{r[6]:<6}"
                  f" occ {r[8]:>4.0%}  {r[1]}")
    print(f"ptxas-check: {len(kernels)} kernels in {len(srcs)} sources for sm_{args.arch}",
          file=sys.stderr)
    if failures:
        print("ptxas-check: FAILED", file=sys.stderr)
        for f in failures:
            print("  " + f, file=sys.stderr)
        return 1
    print("ptxas-check: no spills; no stack frames in cleave's kernels beyond STACK_ALLOWED",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
