/// @file test_fps.cpp
/// @brief chemfp FPS reading and writing: byte order, sizes, bad input.
#include <gtest/gtest.h>

#include <random>

#include "cleave/io.hpp"
#include "io/io_test_util.hpp"

using namespace cleave;
using cleave::test::expect_error_at;
using cleave::test::ScratchDir;

TEST(Fps, ByteOrderIsLittleEndian) {
  ScratchDir dir;
  auto p = dir.write("a.fps",
                     "#FPS1\n#num_bits=16\n#type=test\n0100\tbit0\n8000\tbit7\n0001\tbit8\n"
                     "00ff\tbits8to15\tmore\tcolumns\nFfFf\tall\n");
  auto m = read_fps(p);
  EXPECT_EQ(m.fps.n_bits, 16u);
  EXPECT_EQ(m.fps.words_per_fp, 1u);
  EXPECT_EQ(m.samples.ids, (std::vector<std::string>{"bit0", "bit7", "bit8", "bits8to15", "all"}));
  EXPECT_EQ(m.fps.words, (std::vector<uint64_t>{0x1, 0x80, 0x100, 0xff00, 0xffff}));
  EXPECT_FALSE(m.samples.has_labels());
}

TEST(Fps, SizeFromHexWithoutHeader) {
  ScratchDir dir;
  auto p = dir.write("a.fps", "000000000000000001\tx\n");  // 9 bytes = 72 bits
  auto m = read_fps(p);
  EXPECT_EQ(m.fps.n_bits, 72u);
  EXPECT_EQ(m.fps.words_per_fp, 2u);
  EXPECT_EQ(m.fps.words, (std::vector<uint64_t>{0, 1}));
}

TEST(Fps, WriteThenReadRoundTrips) {
  ScratchDir dir;
  for (uint32_t bits : {2048u, 166u, 64u, 7u}) {
    Fingerprints f;
    f.n_bits = bits;
    f.words_per_fp = (bits + 63) / 64;
    Samples s;
    std::mt19937_64 rng(bits);
    for (int i = 0; i < 20; ++i) {
      for (uint32_t w = 0; w < f.words_per_fp; ++w) {
        uint64_t v = rng();
        const uint32_t lo = w * 64;
        if (lo + 64 > bits) v &= (uint64_t{1} << (bits - lo)) - 1;
        f.words.push_back(v);
      }
      s.ids.push_back("mol " + std::to_string(i));
    }
    auto p = dir.path() / ("out" + std::to_string(bits) + ".fps");
    write_fps(p, s, f);
    auto m = read_fps(p);
    EXPECT_EQ(m.fps.n_bits, bits);
    EXPECT_EQ(m.fps.words, f.words) << bits;
    EXPECT_EQ(m.samples.ids, s.ids);
  }
}

TEST(Fps, WriteRejectsBadIds) {
  ScratchDir dir;
  Fingerprints f;
  f.n_bits = 8;
  f.words_per_fp = 1;
  f.words = {1};
  Samples s;
  s.ids = {"a\tb"};
  cleave::test::expect_error([&] { write_fps(dir.path() / "x.fps", s, f); }, errc::invalid_argument,
                             {"tab"});
  s.ids = {"a", "b"};
  cleave::test::expect_error([&] { write_fps(dir.path() / "x.fps", s, f); },
                             errc::invalid_argument);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "x.fps"));
}

TEST(Fps, MixedLengthsNameLine) {
  auto p = cleave::test::test_data("io_mixed_lengths.fps");
  expect_error_at([&] { (void)read_fps(p); }, errc::format, p, 5, {"6 hex digits", "have 4"});
}

TEST(Fps, BadInputNamesLine) {
  ScratchDir dir;
  struct Case {
    std::string text;
    uint64_t line;
    std::string part;
  };
  const std::vector<Case> cases = {
      {"0100\ta\n01zz\tb\n", 2, "bad hex digit 'z'"},
      {"0100\ta\n010\tb\n", 2, "odd number of hex digits"},
      {"#FPS1\n0100\ta\n0100 b\n", 3, "hex<TAB>id"},
      {"0100\ta\n0200\ta\n", 2, "duplicate id 'a' (first at line 1)"},
      {"#num_bits=12\n0010\ta\n", 2, "bit 12 is set"},
      {"#num_bits=32\n0100\ta\n", 2, "do not match num_bits=32"},
      {"#num_bits=abc\n0100\ta\n", 1, "bad num_bits"},
      {"0100\ta\n#late\n", 2, "header line after"},
      {"0100\t\n", 1, "empty id"},
      {"#FPS1\n#num_bits=8\n", 2, "no fingerprints"},
      {"", 1, "no fingerprints"},
  };
  int k = 0;
  for (const auto& c : cases) {
    auto p = dir.write("bad" + std::to_string(k++) + ".fps", c.text);
    SCOPED_TRACE(c.text);
    expect_error_at([&] { (void)read_fps(p); }, errc::format, p, c.line, {c.part});
  }
}
