#!/usr/bin/env bash
# Installs what cleave needs on Debian 12 (run as root or with sudo) and builds
# it into build/. The CUDA toolkit, when installed (nvcc in /usr/local/cuda),
# is used to compile the CUDA backend too; no GPU is needed to build.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
pkgs=(cmake g++ make pkg-config libfmt-dev libgtest-dev zlib1g-dev libmetis-dev
      librdkit-dev libboost-dev rdkit-data python3-rdkit python3-numpy python3-venv
      python3-parasail libopenmpi-dev openmpi-bin)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -d /usr/local/cuda/include ] && ! ls -d /usr/local/cuda*/include >/dev/null 2>&1; then
  echo "setup: the CUDA toolkit is not installed: cleave needs its Thrust/CUB headers." >&2
  echo "       Install it (e.g. NVIDIA's cuda-toolkit package) and run this again." >&2
  exit 1
fi

./scripts/build.sh
