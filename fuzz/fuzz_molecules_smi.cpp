// read_molecules on an SMI file ("SMILES [id]" per line, optional header).
#include "cleave/io.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace cleave;
  const auto path = fuzz::scratch("in.smi");
  fuzz::put(path, {reinterpret_cast<const char*>(data), size});
  MoleculeReadOptions opt;
  opt.n_bits = 256;
  opt.radius = 1;
  fuzz::expect_clean([&] { (void)read_molecules(path, opt); });
  return 0;
}
