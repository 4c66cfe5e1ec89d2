#!/usr/bin/env bash
# The main job: set up, build, and run the whole pipeline on a real dataset
# that Debian's rdkit-data package installs: 1,017 ChEMBL compounds
# (CHEMBL2321810) with measured pIC50. Writes out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
DATA=/usr/share/RDKit/Contrib/FreeWilson/data
OUT=${1:-out/demo}
./build/src/cleave run --input "$DATA/CHEMBL2321810.smi" --labels "$DATA/CHEMBL2321810_act.csv" \
  --label-column Act --threshold 0.55 --out "$OUT"
./build/src/cleave stats --graph "$OUT/graph.cgr"
echo "demo: open $OUT/report/report.html"
