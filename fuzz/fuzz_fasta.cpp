// read_fasta: plain or gzip FASTA (multi-line records, headers, alphabets);
// the first byte picks the alphabet and the invalid-residue policy.
#include "cleave/sequence.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace cleave;
  if (size == 0) return 0;
  FastaReadOptions opt;
  opt.alphabet = static_cast<Alphabet>(data[0] % 3);
  opt.invalid = static_cast<InvalidResidue>((data[0] >> 2) % 3);
  const auto path = fuzz::scratch("in.fasta");
  fuzz::put(path, {reinterpret_cast<const char*>(data + 1), size - 1});
  fuzz::expect_clean([&] {
    Sequences s = read_fasta(path, opt);
    if (s.offsets.size() != s.samples.size() + 1 || s.offsets.back() != s.residues.size())
      __builtin_trap();
  });
  return 0;
}
