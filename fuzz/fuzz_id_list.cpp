// read_id_list: ids files, train.txt and test.txt.
#include "cleave/io.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace cleave;
  const auto path = fuzz::scratch("ids.txt");
  fuzz::put(path, {reinterpret_cast<const char*>(data), size});
  fuzz::expect_clean([&] {
    for (const auto& id : read_id_list(path))
      if (id.empty()) __builtin_trap();
  });
  return 0;
}
