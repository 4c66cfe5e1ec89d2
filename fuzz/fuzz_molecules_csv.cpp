// read_molecules on a CSV file (header, RFC 4180 quoting, SMILES through
// RDKit, labels); the bytes after a NUL become a --labels file joined by id.
#include "cleave/io.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace cleave;
  auto [csv, labels] = fuzz::split_nul(data, size);
  const auto path = fuzz::scratch("in.csv");
  fuzz::put(path, csv);
  MoleculeReadOptions opt;
  opt.n_bits = 256;
  if (!labels.empty()) {
    opt.labels_file = fuzz::scratch("labels.csv");
    fuzz::put(opt.labels_file, labels);
  }
  fuzz::expect_clean([&] { (void)read_molecules(path, opt); });
  fuzz::expect_clean([&] { (void)detect_format(path); });
  return 0;
}
