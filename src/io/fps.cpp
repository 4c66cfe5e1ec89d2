/// @file fps.cpp
/// @brief chemfp FPS fingerprints: reading and writing.
///
/// An FPS file starts with '#' header lines ("#FPS1", "#num_bits=N", ...)
/// followed by "hex<TAB>id[<TAB>...]" lines. The hex string is the
/// fingerprint's bytes in order, byte 0 first; byte k holds bits 8k..8k+7
/// with bit 8k in its least significant position.
#include <unordered_map>

#include "cleave/error.hpp"
#include "cleave/io.hpp"
#include "cleave/util.hpp"
#include "io/text.hpp"

namespace cleave {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

MoleculeSet read_fps(const std::filesystem::path& path) {
  io_detail::LineReader in(path);
  const std::string& file = in.name();
  MoleculeSet out;
  std::optional<uint32_t> declared_bits;
  std::size_t hex_len = 0;  // of the first data line
  uint32_t words = 0;
  bool data_started = false;
  std::unordered_map<std::string, uint64_t> first_line;
  std::string line;
  while (in.next(line)) {
    if (line.empty()) continue;
    if (line.front() == '#') {
      if (data_started)
        CLEAVE_FORMAT_ERROR(file, in.line_no(), "header line after the first fingerprint");
      std::string_view h(line);
      if (h.starts_with("#num_bits=")) {
        auto v = io_detail::parse_u64(h.substr(10));
        if (!v || *v == 0 || *v > (1u << 24))
          CLEAVE_FORMAT_ERROR(file, in.line_no(), "bad num_bits '{}'", h.substr(10));
        declared_bits = static_cast<uint32_t>(*v);
      }
      continue;
    }
    const std::size_t tab = line.find('\t');
    if (tab == std::string::npos) CLEAVE_FORMAT_ERROR(file, in.line_no(), "expected 'hex<TAB>id'");
    std::string_view hex(line.data(), tab);
    std::string_view rest(line.data() + tab + 1, line.size() - tab - 1);
    std::string id(rest.substr(0, rest.find('\t')));
    if (id.empty()) CLEAVE_FORMAT_ERROR(file, in.line_no(), "empty id");
    if (hex.empty()) CLEAVE_FORMAT_ERROR(file, in.line_no(), "empty fingerprint");
    if (hex.size() % 2 != 0)
      CLEAVE_FORMAT_ERROR(file, in.line_no(), "odd number of hex digits ({})", hex.size());
    if (!data_started) {
      data_started = true;
      hex_len = hex.size();
      const uint64_t bits = declared_bits ? *declared_bits : hex.size() * 4;
      if (bits > (1u << 24))
        CLEAVE_FORMAT_ERROR(file, in.line_no(), "fingerprint of {} bits is too long", bits);
      if (declared_bits && hex.size() != 2 * ((*declared_bits + 7) / 8))
        CLEAVE_FORMAT_ERROR(file, in.line_no(),
                            "{} hex digits do not match num_bits={} (expected {})", hex.size(),
                            *declared_bits, 2 * ((*declared_bits + 7) / 8));
      out.fps.n_bits = static_cast<uint32_t>(bits);
      words = (out.fps.n_bits + 63) / 64;
      out.fps.words_per_fp = words;
    } else if (hex.size() != hex_len) {
      CLEAVE_FORMAT_ERROR(file, in.line_no(),
                          "fingerprint has {} hex digits, but earlier ones have {}", hex.size(),
                          hex_len);
    }
    auto [it, fresh] = first_line.emplace(id, in.line_no());
    if (!fresh)
      CLEAVE_FORMAT_ERROR(file, in.line_no(), "duplicate id '{}' (first at line {})", id,
                          it->second);
    const std::size_t base = out.fps.words.size();
    out.fps.words.resize(base + words, 0);
    for (std::size_t k = 0; k < hex.size() / 2; ++k) {
      const int hi = hex_value(hex[2 * k]);
      const int lo = hex_value(hex[2 * k + 1]);
      if (hi < 0 || lo < 0)
        CLEAVE_FORMAT_ERROR(file, in.line_no(), "bad hex digit '{}' at column {}",
                            hi < 0 ? hex[2 * k] : hex[2 * k + 1], hi < 0 ? 2 * k + 1 : 2 * k + 2);
      const uint64_t byte = static_cast<uint64_t>(hi * 16 + lo);
      for (int b = 0; b < 8; ++b) {
        if (!((byte >> b) & 1)) continue;
        const uint64_t bit = 8 * k + b;
        if (bit >= out.fps.n_bits)
          CLEAVE_FORMAT_ERROR(file, in.line_no(), "bit {} is set but num_bits={}", bit,
                              out.fps.n_bits);
        out.fps.words[base + bit / 64] |= uint64_t{1} << (bit % 64);
      }
    }
    out.samples.ids.push_back(std::move(id));
  }
  if (out.samples.ids.empty())
    CLEAVE_FORMAT_ERROR(file, std::max<uint64_t>(1, in.line_no()), "no fingerprints");
  out.samples.checksum = checksum_file(path);
  return out;
}

void write_fps(const std::filesystem::path& path, const Samples& samples, const Fingerprints& fps) {
  CLEAVE_EXPECTS(samples.size() == fps.size(), "{} ids for {} fingerprints", samples.size(),
                 fps.size());
  CLEAVE_EXPECTS(fps.n_bits > 0 && fps.words_per_fp == (fps.n_bits + 63) / 64,
                 "inconsistent fingerprint size ({} bits in {} words)", fps.n_bits,
                 fps.words_per_fp);
  static constexpr char kDigits[] = "0123456789abcdef";
  const std::size_t n_bytes = (fps.n_bits + 7) / 8;
  AtomicFile f(path);
  f.write(fmt::format("#FPS1\n#num_bits={}\n#software=cleave\n", fps.n_bits));
  std::string line;
  for (std::size_t i = 0; i < fps.size(); ++i) {
    const std::string& id = samples.ids[i];
    CLEAVE_EXPECTS(!id.empty() && id.find_first_of("\t\n\r") == std::string::npos,
                   "id '{}' cannot be written to an FPS file (empty, or holds a tab or newline)",
                   id);
    const uint64_t* row = fps.row(i);
    line.clear();
    for (std::size_t k = 0; k < n_bytes; ++k) {
      const auto byte = static_cast<unsigned>((row[k / 8] >> (8 * (k % 8))) & 0xff);
      line.push_back(kDigits[byte >> 4]);
      line.push_back(kDigits[byte & 15]);
    }
    line.push_back('\t');
    line += id;
    line.push_back('\n');
    f.write(line);
  }
  f.commit();
}

}  // namespace cleave
