// A streaming 64-bit checksum for provenance (not cryptographic).
#include <cstring>
#include <fstream>
#include <vector>

#include "cleave/error.hpp"
#include "cleave/util.hpp"
#include "kernels/hash.hpp"

namespace cleave {

void Checksum::update(const void* data, std::size_t bytes) {
  const auto* p = static_cast<const unsigned char*>(data);
  constexpr uint64_t kPrime = 0x100000001b3ULL;
  std::size_t i = 0;
  for (; i + 8 <= bytes; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    h_ = (h_ ^ w) * kPrime;
    h_ ^= h_ >> 29;
  }
  for (; i < bytes; ++i) h_ = (h_ ^ p[i]) * kPrime;
  n_ += bytes;
}

uint64_t Checksum::digest() const {
  return kernels::mix64(h_ ^ kernels::mix64(n_));
}

uint64_t checksum_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) CLEAVE_FAIL(io, "cannot open {}", path.string());
  Checksum c;
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    c.update(buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  return c.digest();
}

std::string hex64(uint64_t v) {
  return fmt::format("{:016x}", v);
}

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        else
          out += c;
    }
  }
  return out;
}

}  // namespace cleave
