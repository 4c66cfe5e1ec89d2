/// @file test_npy.cpp
/// @brief The NPY reader: float32 and float16 (exact conversion, subnormals
/// included), format versions 1 and 2, and clear errors naming the file (and
/// row) for Fortran order, other dtypes and shapes, truncated data, NaN and
/// zero-norm rows.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <string>

#include "cleave/embedding.hpp"
#include "cleave/error.hpp"
#include "io/io_test_util.hpp"

using namespace cleave;

namespace {

std::filesystem::path data(const std::string& name) {
  return std::filesystem::path(CLEAVE_TEST_DATA) / name;
}

std::vector<float> expected_values() {
  std::ifstream in(data("npy_f4_values.txt"));
  std::vector<float> v;
  for (float x; in >> x;) v.push_back(x);
  return v;
}

/// Expects a format error whose message contains every one of `parts`.
void expect_format_error(const std::filesystem::path& path, std::vector<std::string> parts) {
  try {
    (void)read_npy(path);
    FAIL() << path << " was accepted";
  } catch (const cleave::error& e) {
    EXPECT_EQ(e.code(), errc::format) << e.what();
    parts.push_back(path.filename().string());
    for (const auto& p : parts)
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos)
          << "'" << p << "' not in: " << e.what();
  }
}

/// A version 1.0 .npy file with the given header dict and payload.
std::string npy_bytes(const std::string& dict, const std::string& payload) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  return out + header + payload;
}

}  // namespace

TEST(Npy, ReadsFloat32VersionsOneAndTwo) {
  const auto want = expected_values();
  ASSERT_EQ(want.size(), 15u);
  for (const char* name : {"npy_f4.npy", "npy_v2.npy"}) {
    SCOPED_TRACE(name);
    const EmbeddingSet s = read_npy(data(name));
    EXPECT_EQ(s.n, 5u);
    EXPECT_EQ(s.dim, 3u);
    ASSERT_EQ(s.values.size(), 15u);
    for (std::size_t k = 0; k < 15; ++k) EXPECT_EQ(s.values[k], want[k]);
    EXPECT_NE(s.checksum, 0u);
  }
  EXPECT_EQ(read_npy(data("npy_f4.npy")).checksum, read_npy(data("npy_v2.npy")).checksum);
}

TEST(Npy, ConvertsFloat16) {
  const auto want = expected_values();
  const EmbeddingSet s = read_npy(data("npy_f2.npy"));
  ASSERT_EQ(s.values.size(), want.size());
  for (std::size_t k = 0; k < want.size(); ++k)
    EXPECT_NEAR(s.values[k], want[k], std::abs(want[k]) * 1e-3);

  // Exact conversion of chosen bit patterns: 1, -2, the largest half, the
  // smallest normal, the smallest and largest subnormals, minus zero.
  const uint16_t bits[] = {0x3c00, 0xc000, 0x7bff, 0x0400, 0x0001, 0x03ff, 0x8000, 0x3c00};
  const float exact[] = {1.0f,
                         -2.0f,
                         65504.0f,
                         std::ldexp(1.0f, -14),
                         std::ldexp(1.0f, -24),
                         std::ldexp(1023.0f, -24),
                         -0.0f,
                         1.0f};
  std::string payload(sizeof bits, '\0');
  std::memcpy(payload.data(), bits, sizeof bits);
  test::ScratchDir dir;
  const auto p =
      dir.write("halves.npy",
                npy_bytes("{'descr': '<f2', 'fortran_order': False, 'shape': (2, 4), }", payload));
  const EmbeddingSet h = read_npy(p);
  ASSERT_EQ(h.values.size(), 8u);
  for (int k = 0; k < 8; ++k) {
    EXPECT_EQ(h.values[k], exact[k]) << k;
    EXPECT_EQ(std::signbit(h.values[k]), std::signbit(exact[k])) << k;
  }
}

TEST(Npy, RejectsBadInputsNamingFileAndRow) {
  expect_format_error(data("npy_fortran.npy"), {"Fortran"});
  expect_format_error(data("npy_f8.npy"), {"<f8", "not supported"});
  expect_format_error(data("npy_1d.npy"), {"2-D"});
  expect_format_error(data("npy_truncated.npy"), {"truncated"});
  expect_format_error(data("npy_nan_row3.npy"), {"row 3", "non-finite"});
  expect_format_error(data("npy_zero_row2.npy"), {"row 2", "zero norm"});

  test::ScratchDir dir;
  expect_format_error(dir.write("text.npy", "just some text, not numpy"), {"magic"});
  expect_format_error(
      dir.write("big.npy", npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (1, 1), }",
                                     std::string(4, '\0'))),
      {">f4"});
  expect_format_error(
      dir.write("empty.npy",
                npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4), }", "")),
      {"empty"});
  expect_format_error(
      dir.write("noshape.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, }", "")),
      {"shape"});
  try {
    (void)read_npy(dir.path() / "missing.npy");
    FAIL();
  } catch (const cleave::error& e) {
    EXPECT_EQ(e.code(), errc::io);
    EXPECT_NE(std::string(e.what()).find("missing.npy"), std::string::npos);
  }
}
