/// @file npy.cpp
/// @brief NumPy .npy reader for embeddings (format described in NumPy's
/// NEP 1, "A simple file format for NumPy arrays"): magic, version, a header
/// holding a Python dict literal, then the raw array.
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "cleave/embedding.hpp"
#include "cleave/error.hpp"
#include "cleave/util.hpp"

namespace cleave {

namespace {

[[noreturn]] void bad(const std::filesystem::path& path, const std::string& what) {
  CLEAVE_FAIL(format, "{}: {}", path.string(), what);
}

/// The text after `'key':` in the header dict, leading spaces skipped.
std::string_view dict_value(const std::filesystem::path& path, std::string_view header,
                            std::string_view key) {
  const std::string quoted = fmt::format("'{}'", key);
  auto at = header.find(quoted);
  if (at == std::string_view::npos) bad(path, fmt::format("NPY header has no '{}'", key));
  at = header.find(':', at + quoted.size());
  if (at == std::string_view::npos) bad(path, fmt::format("NPY header: malformed '{}'", key));
  ++at;
  while (at < header.size() && header[at] == ' ') ++at;
  return header.substr(at);
}

/// IEEE binary16 to binary32, exactly (subnormals, infinities and NaN included).
float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {  // subnormal: renormalise
    uint32_t e = 113;
    while ((mant & 0x400u) == 0) {
      mant <<= 1;
      --e;
    }
    bits = sign | (e << 23) | ((mant & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

}  // namespace

void validate_embeddings(const EmbeddingSet& set) {
  const std::string& src = set.source.empty() ? std::string("<memory>") : set.source;
  CLEAVE_EXPECTS(set.n > 0 && set.dim > 0, "{}: no embeddings (shape {} x {})", src, set.n,
                 set.dim);
  CLEAVE_EXPECTS(set.values.size() == set.n * set.dim, "{}: {} values do not form {} x {} rows",
                 src, set.values.size(), set.n, set.dim);
  for (uint64_t i = 0; i < set.n; ++i) {
    const float* r = set.row(i);
    double norm = 0;
    for (uint32_t k = 0; k < set.dim; ++k) {
      if (!std::isfinite(r[k]))
        CLEAVE_FAIL(format, "{}: row {} holds a non-finite value ({}) at column {}", src, i, r[k],
                    k);
      norm += static_cast<double>(r[k]) * r[k];
    }
    if (norm == 0) CLEAVE_FAIL(format, "{}: row {} has zero norm (cosine is undefined)", src, i);
  }
}

EmbeddingSet read_npy(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) CLEAVE_FAIL(io, "cannot open '{}'", path.string());
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  if (in.bad()) CLEAVE_FAIL(io, "cannot read '{}'", path.string());

  static constexpr char kMagic[] = "\x93NUMPY";
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, 6) != 0)
    bad(path, "not a NumPy .npy file (bad magic)");
  const auto major = static_cast<uint8_t>(bytes[6]);
  std::size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = static_cast<uint8_t>(bytes[8]) |
                 (static_cast<std::size_t>(static_cast<uint8_t>(bytes[9])) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) bad(path, "truncated NPY header");
    for (int k = 0; k < 4; ++k)
      header_len |= static_cast<std::size_t>(static_cast<uint8_t>(bytes[8 + k])) << (8 * k);
    offset = 12;
  } else {
    bad(path, fmt::format("unsupported NPY format version {}", major));
  }
  if (bytes.size() < offset + header_len) bad(path, "truncated NPY header");
  const std::string_view header(bytes.data() + offset, header_len);
  offset += header_len;

  const std::string_view descr = dict_value(path, header, "descr");
  std::size_t item = 0;
  bool half = false;
  if (descr.starts_with("'<f4'")) {
    item = 4;
  } else if (descr.starts_with("'<f2'")) {
    item = 2;
    half = true;
  } else {
    const auto end = descr.find_first_of(",}");
    bad(path, fmt::format("dtype {} is not supported (expected little-endian float32 '<f4' "
                          "or float16 '<f2')",
                          descr.substr(0, end)));
  }
  const std::string_view order = dict_value(path, header, "fortran_order");
  if (order.starts_with("True"))
    bad(path, "array is in Fortran order; save it in C order (numpy.ascontiguousarray)");
  if (!order.starts_with("False")) bad(path, "NPY header: malformed 'fortran_order'");

  std::string_view shape = dict_value(path, header, "shape");
  if (shape.empty() || shape[0] != '(') bad(path, "NPY header: malformed 'shape'");
  shape = shape.substr(1, shape.find(')') == std::string_view::npos ? 0 : shape.find(')') - 1);
  std::vector<uint64_t> dims;
  for (std::size_t at = 0; at < shape.size();) {
    while (at < shape.size() && (shape[at] == ' ' || shape[at] == ',')) ++at;
    if (at == shape.size()) break;
    uint64_t v = 0;
    std::size_t digits = 0;
    while (at < shape.size() && shape[at] >= '0' && shape[at] <= '9') {
      v = v * 10 + static_cast<uint64_t>(shape[at++] - '0');
      ++digits;
    }
    if (digits == 0 || digits > 18) bad(path, "NPY header: malformed 'shape'");
    dims.push_back(v);
  }
  if (dims.size() != 2)
    bad(path,
        fmt::format("expected a 2-D array (samples x dimensions), got {} dimensions", dims.size()));
  if (dims[0] == 0 || dims[1] == 0)
    bad(path, fmt::format("empty array of shape ({}, {})", dims[0], dims[1]));
  if (dims[1] > UINT32_MAX) bad(path, fmt::format("{} dimensions are too many", dims[1]));

  EmbeddingSet set;
  set.n = dims[0];
  set.dim = static_cast<uint32_t>(dims[1]);
  set.source = path.string();
  const uint64_t count = set.n * set.dim;
  if (count / set.dim != set.n || (bytes.size() - offset) / item < count)
    bad(path, fmt::format("truncated data: shape ({}, {}) needs {} bytes, the file holds {}", set.n,
                          set.dim, count * item, bytes.size() - offset));
  set.values.resize(count);
  const char* data = bytes.data() + offset;
  if (half) {
    for (uint64_t k = 0; k < count; ++k) {
      uint16_t h;
      std::memcpy(&h, data + 2 * k, 2);
      set.values[k] = half_to_float(h);
    }
  } else {
    std::memcpy(set.values.data(), data, count * 4);
  }
  validate_embeddings(set);
  set.checksum = embedding_checksum(set);
  return set;
}

uint64_t embedding_checksum(const EmbeddingSet& set) {
  Checksum c;
  c.update_value(set.n);
  c.update_value(set.dim);
  c.update(set.values.data(), set.values.size() * sizeof(float));
  return c.digest();
}

}  // namespace cleave
