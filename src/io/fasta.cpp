/// @file fasta.cpp
/// @brief Streaming FASTA reader (plain or gzip) into packed residue
/// indices, with the residue rules and invalid-character policies of
/// sequence.hpp.
#include <zlib.h>

#include <array>
#include <cstdio>
#include <string_view>
#include <unordered_map>

#include "cleave/error.hpp"
#include "cleave/sequence.hpp"
#include "cleave/util.hpp"
#include "io/text.hpp"

namespace cleave {

namespace {

constexpr char kProteinLetters[] = "ARNDCQEGHILKMFPSTWYVBZX*";
constexpr char kDnaLetters[] = "ACGTN";
constexpr uint8_t kInvalid = 0xff;
/// Placeholder stored for a replaced character until the alphabet is known.
constexpr char kReplaced = '?';
constexpr std::size_t kMaxNotes = 10;

struct Tables {
  std::array<uint8_t, 256> protein{};  ///< upper-case letter -> index
  std::array<uint8_t, 256> dna{};
  std::array<bool, 256> acgtu{};
  Tables() {
    protein.fill(kInvalid);
    dna.fill(kInvalid);
    for (int k = 0; kProteinLetters[k]; ++k) protein[static_cast<uint8_t>(kProteinLetters[k])] = k;
    protein['U'] = protein['C'];
    protein['O'] = protein['K'];
    protein['J'] = protein['X'];
    protein[static_cast<uint8_t>(kReplaced)] = protein['X'];
    for (int k = 0; kDnaLetters[k]; ++k) dna[static_cast<uint8_t>(kDnaLetters[k])] = k;
    dna['U'] = dna['T'];
    for (char c : std::string_view("RYSWKMBDHV")) dna[static_cast<uint8_t>(c)] = dna['N'];
    dna[static_cast<uint8_t>(kReplaced)] = dna['N'];
    for (char c : std::string_view("ACGTU")) acgtu[static_cast<uint8_t>(c)] = true;
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

/// Accumulates records line by line; shared by the file and memory readers.
class Builder {
 public:
  [[nodiscard]] const std::string& source() const { return source_; }
  Builder(std::string source, const FastaReadOptions& opt) : source_(std::move(source)), opt_(opt) {
    valid_ = opt.alphabet == Alphabet::dna ? &tables().dna : &tables().protein;
  }

  void header(std::string_view line, uint64_t lineno) {
    finish_record();
    std::size_t b = 1;
    while (b < line.size() && (line[b] == ' ' || line[b] == '\t')) ++b;
    std::size_t e = b;
    while (e < line.size() && line[e] != ' ' && line[e] != '\t') ++e;
    if (e == b) CLEAVE_FORMAT_ERROR(source_, lineno, "empty sequence id in header");
    id_.assign(line.substr(b, e - b));
    in_record_ = true;
    header_line_ = lineno;
    skip_ = false;
    start_ = seqs_.residues.size();
    replaced_in_record_ = 0;
  }

  void sequence_line(std::string_view line, uint64_t lineno) {
    if (!in_record_)
      CLEAVE_FORMAT_ERROR(source_, lineno, "expected a '>' header before sequence data");
    if (skip_) return;
    for (char ch : line) {
      if (ch == ' ' || ch == '\t' || (ch >= '0' && ch <= '9')) continue;
      char c = (ch >= 'a' && ch <= 'z') ? static_cast<char>(ch - 'a' + 'A') : ch;
      if ((*valid_)[static_cast<uint8_t>(c)] == kInvalid) {
        if (opt_.invalid == InvalidResidue::error)
          CLEAVE_FORMAT_ERROR(source_, lineno, "invalid {} residue '{}' in sequence '{}'",
                              opt_.alphabet == Alphabet::dna ? "DNA" : "protein", printable(ch),
                              id_);
        if (opt_.invalid == InvalidResidue::skip) {
          skip_ = true;
          note(lineno, fmt::format("invalid residue '{}'", printable(ch)));
          seqs_.residues.resize(start_);
          return;
        }
        c = kReplaced;
        ++replaced_in_record_;
      }
      seqs_.residues.push_back(static_cast<uint8_t>(c));
    }
  }

  Sequences finish() {
    finish_record();
    if (seqs_.samples.ids.empty()) {
      if (seqs_.n_skipped > 0)
        CLEAVE_FORMAT_ERROR(source_, 1, "every record was skipped for invalid residues");
      CLEAVE_FORMAT_ERROR(source_, 1, "no FASTA records");
    }
    Alphabet a = opt_.alphabet;
    if (a == Alphabet::automatic) {
      uint64_t nucleotides = 0;
      bool all_dna = true;
      for (uint8_t c : seqs_.residues) {
        nucleotides += tables().acgtu[c];
        all_dna = all_dna && tables().dna[c] != kInvalid;
      }
      a = all_dna && nucleotides * 10 >= seqs_.residues.size() * 9 ? Alphabet::dna
                                                                   : Alphabet::protein;
    }
    const auto& map = a == Alphabet::dna ? tables().dna : tables().protein;
    for (uint8_t& c : seqs_.residues) c = map[c];
    seqs_.alphabet = a;
    return std::move(seqs_);
  }

  Checksum& checksum() { return sum_; }
  void set_checksum() { seqs_.samples.checksum = sum_.digest(); }

 private:
  static std::string printable(char ch) {
    const auto u = static_cast<unsigned char>(ch);
    return (u >= 0x20 && u < 0x7f) ? std::string(1, ch) : fmt::format("\\x{:02x}", u);
  }

  void note(uint64_t lineno, const std::string& why) {
    if (seqs_.skipped_notes.size() < kMaxNotes)
      seqs_.skipped_notes.push_back(fmt::format("{}:{}: {}: {}", source_, lineno, id_, why));
  }

  void finish_record() {
    if (!in_record_) return;
    in_record_ = false;
    if (skip_) {
      ++seqs_.n_skipped;
      return;
    }
    if (seqs_.residues.size() == start_)
      CLEAVE_FORMAT_ERROR(source_, header_line_, "sequence '{}' is empty", id_);
    auto [it, fresh] = first_line_.emplace(id_, header_line_);
    if (!fresh)
      CLEAVE_FORMAT_ERROR(source_, header_line_, "duplicate id '{}' (first at line {})", id_,
                          it->second);
    seqs_.samples.ids.push_back(id_);
    seqs_.offsets.push_back(seqs_.residues.size());
    seqs_.n_replaced += replaced_in_record_;
  }

  std::string source_;
  FastaReadOptions opt_;
  const std::array<uint8_t, 256>* valid_;
  Sequences seqs_;
  Checksum sum_;
  std::unordered_map<std::string, uint64_t> first_line_;
  std::string id_;
  bool in_record_ = false;
  bool skip_ = false;
  uint64_t header_line_ = 0;
  std::size_t start_ = 0;
  std::size_t replaced_in_record_ = 0;
};

void dispatch_line(Builder& b, std::string_view line, uint64_t lineno) {
  io_detail::check_line_length(line.size(), b.source(), lineno);
  io_detail::check_no_nul(line, b.source(), lineno);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty() || line.front() == ';') return;
  if (line.front() == '>')
    b.header(line, lineno);
  else
    b.sequence_line(line, lineno);
}

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};

}  // namespace

Sequences read_fasta(const std::filesystem::path& path, const FastaReadOptions& opt) {
  const std::string src = path.string();
  bool gzip = false;
  {
    std::FILE* f = std::fopen(src.c_str(), "rb");
    if (!f) CLEAVE_FAIL(io, "cannot open '{}'", src);
    unsigned char magic[2] = {0, 0};
    gzip = std::fread(magic, 1, 2, f) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    std::fclose(f);
  }
  std::unique_ptr<gzFile_s, GzCloser> gz(gzopen(src.c_str(), "rb"));
  if (!gz) CLEAVE_FAIL(io, "cannot open '{}'", src);
  gzbuffer(gz.get(), 1 << 17);
  Builder b(src, opt);
  std::string pending;
  std::vector<char> buf(1 << 16);
  uint64_t lineno = 0;
  for (;;) {
    const int got = gzread(gz.get(), buf.data(), static_cast<unsigned>(buf.size()));
    if (got < 0) {
      int err = 0;
      const char* msg = gzerror(gz.get(), &err);
      CLEAVE_FORMAT_ERROR(src, lineno + 1, "corrupt {}: {}", gzip ? "gzip stream" : "file", msg);
    }
    if (got == 0) break;
    b.checksum().update(buf.data(), static_cast<std::size_t>(got));
    std::string_view chunk(buf.data(), static_cast<std::size_t>(got));
    std::size_t pos = 0;
    for (std::size_t nl; (nl = chunk.find('\n', pos)) != std::string_view::npos; pos = nl + 1) {
      ++lineno;
      if (pending.empty()) {
        dispatch_line(b, chunk.substr(pos, nl - pos), lineno);
      } else {
        pending.append(chunk.substr(pos, nl - pos));
        dispatch_line(b, pending, lineno);
        pending.clear();
      }
    }
    pending.append(chunk.substr(pos));
    io_detail::check_line_length(pending.size(), src, lineno + 1);
  }
  int err = Z_OK;
  const char* msg = gzerror(gz.get(), &err);
  if (err != Z_OK && err != Z_STREAM_END)
    CLEAVE_FORMAT_ERROR(src, lineno + 1, "truncated or corrupt gzip stream: {}", msg);
  if (!pending.empty()) dispatch_line(b, pending, ++lineno);
  b.set_checksum();
  return b.finish();
}

Sequences sequences_from_strings(const std::vector<std::string>& ids,
                                 const std::vector<std::string>& seqs,
                                 const FastaReadOptions& opt) {
  CLEAVE_EXPECTS(ids.size() == seqs.size(), "{} ids but {} sequences", ids.size(), seqs.size());
  Builder b("<memory>", opt);
  for (std::size_t k = 0; k < ids.size(); ++k) {
    const std::string header = ">" + ids[k];
    b.header(header, k + 1);
    b.sequence_line(seqs[k], k + 1);
    b.checksum().update(header);
    b.checksum().update(seqs[k]);
  }
  b.set_checksum();
  return b.finish();
}

std::string Sequences::letters(std::size_t k) const {
  const char* l = alphabet_letters(alphabet);
  std::string s(length(k), ' ');
  for (uint32_t x = 0; x < length(k); ++x) s[x] = l[data(k)[x]];
  return s;
}

}  // namespace cleave
