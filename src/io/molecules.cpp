/// @file molecules.cpp
/// @brief SMILES input (CSV or SMI), optional label join, and batched
/// fingerprinting through RDKit.
#include <algorithm>
#include <unordered_map>

#include "cleave/error.hpp"
#include "cleave/io.hpp"
#include "cleave/util.hpp"
#include "io/morgan.hpp"
#include "io/text.hpp"

namespace cleave {

bool have_rdkit() {
#ifdef CLEAVE_HAVE_RDKIT
  return true;
#else
  return false;
#endif
}

#ifndef CLEAVE_HAVE_RDKIT
namespace io_detail {
RdkitQuiet::RdkitQuiet() = default;
RdkitQuiet::~RdkitQuiet() = default;
void morgan_batch(const std::vector<std::string>&, unsigned, unsigned, uint32_t, uint64_t*,
                  std::vector<std::string>&) {
  CLEAVE_FAIL(invalid_argument,
              "SMILES input needs RDKit, and this cleave was built without it (install "
              "librdkit-dev and rebuild, or give fingerprints as an FPS file)");
}
}  // namespace io_detail
#endif

namespace {

using io_detail::trim;

constexpr std::size_t kBatch = 4096;
constexpr std::size_t kMaxNotes = 10;

struct LabelEntry {
  double value;
  uint64_t line;
};

struct LabelTable {
  std::unordered_map<std::string, LabelEntry> by_id;
  std::string name;
  std::string file;
};

/// Reads a CSV of (id, label) with a header.
LabelTable read_labels_file(const std::filesystem::path& path, const MoleculeReadOptions& opt) {
  io_detail::CsvReader csv(path, io_detail::lower_extension(path) == ".tsv" ? '\t' : ',');
  LabelTable t;
  t.file = csv.name();
  std::size_t id_col = 0;
  std::size_t label_col = 1;
  if (!opt.labels_id_column.empty()) id_col = csv.require(opt.labels_id_column, "id");
  if (!opt.label_column.empty() && opt.label_column != "-") {
    label_col = csv.require(opt.label_column, "label");
  } else if (csv.header().size() < 2) {
    CLEAVE_FORMAT_ERROR(csv.name(), csv.header_line(),
                        "a labels file needs an id and a label column; available columns: {}",
                        csv.columns_list());
  } else if (label_col == id_col) {
    label_col = 0;
  }
  t.name = csv.header()[label_col];
  std::vector<std::string> f;
  while (csv.next(f)) {
    std::string id(trim(f[id_col]));
    if (id.empty()) CLEAVE_FORMAT_ERROR(csv.name(), csv.line_no(), "empty id");
    auto v = io_detail::parse_double(f[label_col]);
    if (!v)
      CLEAVE_FORMAT_ERROR(csv.name(), csv.line_no(), "label '{}' in column '{}' is not a number",
                          f[label_col], t.name);
    auto [it, fresh] = t.by_id.emplace(id, LabelEntry{*v, csv.line_no()});
    if (!fresh)
      CLEAVE_FORMAT_ERROR(csv.name(), csv.line_no(), "duplicate id '{}' (first at line {})", id,
                          it->second.line);
  }
  if (t.by_id.empty()) CLEAVE_FORMAT_ERROR(csv.name(), csv.last_line(), "no data rows");
  return t;
}

/// Collects rows, fingerprints them a batch at a time in input order.
class Builder {
 public:
  Builder(std::string file, const MoleculeReadOptions& opt, MoleculeSet& out)
      : file_(std::move(file)), opt_(opt), out_(out) {
    out_.fps.n_bits = opt.n_bits;
    out_.fps.words_per_fp = (opt.n_bits + 63) / 64;
  }

  /// One data row; `label` is used when has_label.
  void add(std::string smiles, std::string id, double label, uint64_t line) {
    ++rows_;
    if (smiles.size() > opt_.max_smiles_length)
      CLEAVE_FORMAT_ERROR(file_, line,
                          "SMILES of {} characters is longer than the limit of {} (the CLI's "
                          "--max-smiles-length)",
                          smiles.size(), opt_.max_smiles_length);
    if (id.empty()) id = "row" + std::to_string(rows_);
    auto [it, fresh] = first_line_.emplace(id, line);
    if (!fresh)
      CLEAVE_FORMAT_ERROR(file_, line, "duplicate id '{}' (first at line {})", id, it->second);
    smiles_.push_back(std::move(smiles));
    rows_batch_.push_back({std::move(id), label, line});
    if (smiles_.size() == kBatch) flush();
  }

  void flush() {
    if (smiles_.empty()) return;
    const uint32_t w = out_.fps.words_per_fp;
    buf_.resize(smiles_.size() * w);
    io_detail::morgan_batch(smiles_, opt_.radius, opt_.n_bits, w, buf_.data(), failure_);
    for (std::size_t k = 0; k < smiles_.size(); ++k) {
      const Pending& r = rows_batch_[k];
      if (smiles_[k].empty() && failure_[k].empty()) failure_[k] = "empty SMILES";
      if (!failure_[k].empty()) {
        const std::string shown =
            smiles_[k].size() > 60 ? smiles_[k].substr(0, 57) + "..." : smiles_[k];
        if (opt_.strict)
          CLEAVE_FORMAT_ERROR(file_, r.line, "{}: {} '{}'", r.id, failure_[k], shown);
        ++out_.n_skipped;
        if (out_.skipped_notes.size() < kMaxNotes)
          out_.skipped_notes.push_back(
              fmt::format("{}:{}: {}: {} '{}'", file_, r.line, r.id, failure_[k], shown));
        continue;
      }
      out_.samples.ids.push_back(r.id);
      lines_.push_back(r.line);
      if (has_label_) out_.samples.labels.push_back(r.label);
      out_.fps.words.insert(out_.fps.words.end(), buf_.begin() + k * w, buf_.begin() + (k + 1) * w);
    }
    smiles_.clear();
    rows_batch_.clear();
  }

  /// Rejects bad rows found while reading only after the rows before them
  /// were fingerprinted, so the first bad line in the file is reported.
  template <class F>
  void guarded(F&& f) {
    try {
      f();
    } catch (...) {
      flush();
      throw;
    }
  }

  void set_has_label(bool v) { has_label_ = v; }
  [[nodiscard]] uint64_t rows() const { return rows_; }
  [[nodiscard]] const std::vector<uint64_t>& lines() const { return lines_; }

 private:
  struct Pending {
    std::string id;
    double label;
    uint64_t line;
  };
  std::string file_;
  const MoleculeReadOptions& opt_;
  MoleculeSet& out_;
  bool has_label_ = false;
  uint64_t rows_ = 0;
  std::unordered_map<std::string, uint64_t> first_line_;
  std::vector<std::string> smiles_;
  std::vector<Pending> rows_batch_;
  std::vector<uint64_t> buf_;
  std::vector<std::string> failure_;
  std::vector<uint64_t> lines_;  // source line of each kept sample
};

void read_csv_rows(const std::filesystem::path& path, const MoleculeReadOptions& opt,
                   bool join_labels, Builder& b, std::string& label_name, uint64_t& last_line) {
  io_detail::CsvReader csv(path, io_detail::lower_extension(path) == ".tsv" ? '\t' : ',');
  std::size_t smiles_col = 0;
  if (!opt.smiles_column.empty()) {
    smiles_col = csv.require(opt.smiles_column, "SMILES");
  } else if (auto c = csv.find_any({"smiles", "SMILES", "Smiles", "canonical_smiles", "mol"})) {
    smiles_col = *c;
  } else {
    CLEAVE_FORMAT_ERROR(csv.name(), csv.header_line(),
                        "no SMILES column (looked for smiles, SMILES, Smiles, canonical_smiles, "
                        "mol; name one with the smiles column option); available columns: {}",
                        csv.columns_list());
  }
  std::optional<std::size_t> id_col;
  if (!opt.id_column.empty())
    id_col = csv.require(opt.id_column, "id");
  else
    id_col = csv.find_any({"id", "ID", "Id", "name", "Name", "CID", "compound_id"});
  std::optional<std::size_t> label_col;
  if (!join_labels) {
    if (!opt.label_column.empty() && opt.label_column != "-")
      label_col = csv.require(opt.label_column, "label");
    else if (opt.label_column.empty())
      label_col = csv.find("label");
  }
  if (label_col) label_name = csv.header()[*label_col];
  b.set_has_label(label_col.has_value());

  std::vector<std::string> f;
  while (csv.next(f)) {
    b.guarded([&] {
      double label = 0;
      if (label_col) {
        auto v = io_detail::parse_double(f[*label_col]);
        if (!v)
          CLEAVE_FORMAT_ERROR(csv.name(), csv.line_no(),
                              "label '{}' in column '{}' is not a number", f[*label_col],
                              label_name);
        label = *v;
      }
      std::string id;
      if (id_col) {
        id = std::string(trim(f[*id_col]));
        if (id.empty()) CLEAVE_FORMAT_ERROR(csv.name(), csv.line_no(), "empty id");
      }
      b.add(std::string(trim(f[smiles_col])), std::move(id), label, csv.line_no());
    });
  }
  last_line = csv.last_line();
}

void read_smi_rows(const std::filesystem::path& path, Builder& b, uint64_t& last_line) {
  io_detail::LineReader in(path);
  std::string line;
  bool first = true;
  while (in.next(line)) {
    auto tok = io_detail::split_whitespace(line);
    if (tok.empty() || tok[0].front() == '#') continue;
    if (first && (tok[0] == "smiles" || tok[0] == "SMILES" || tok[0] == "Smiles")) {
      first = false;
      continue;
    }
    first = false;
    b.guarded([&] {
      b.add(std::string(tok[0]), tok.size() > 1 ? std::string(tok[1]) : std::string(), 0.0,
            in.line_no());
    });
  }
  last_line = in.line_no();
}

}  // namespace

MoleculeSet read_molecules(const std::filesystem::path& path, const MoleculeReadOptions& opt) {
  CLEAVE_EXPECTS(opt.n_bits >= 1 && opt.n_bits <= (1u << 24),
                 "fingerprint size must be 1 to 16777216 bits, got {}", opt.n_bits);
  CLEAVE_EXPECTS(opt.radius <= 64, "Morgan radius must be at most 64, got {}", opt.radius);
  if (!have_rdkit())
    CLEAVE_FAIL(invalid_argument,
                "{}: SMILES input needs RDKit, and this cleave was built without it (install "
                "librdkit-dev and rebuild, or give fingerprints as an FPS file)",
                path.string());
  const bool join = !opt.labels_file.empty();
  LabelTable labels;
  if (join) labels = read_labels_file(opt.labels_file, opt);

  MoleculeSet out;
  io_detail::RdkitQuiet quiet;
  Builder b(path.string(), opt, out);
  const std::string ext = io_detail::lower_extension(path);
  uint64_t last_line = 0;
  if (ext == ".smi" || ext == ".smiles")
    read_smi_rows(path, b, last_line);
  else
    read_csv_rows(path, opt, join, b, out.samples.label_name, last_line);
  b.flush();

  if (b.rows() == 0)
    CLEAVE_FORMAT_ERROR(path.string(), std::max<uint64_t>(1, last_line), "no data rows");
  if (out.samples.ids.empty())
    CLEAVE_FORMAT_ERROR(path.string(), std::max<uint64_t>(1, last_line),
                        "none of the {} SMILES could be parsed (first: {})", out.n_skipped,
                        out.skipped_notes.empty() ? "" : out.skipped_notes.front());

  if (join) {
    out.samples.label_name = labels.name;
    out.samples.labels.resize(out.samples.ids.size());
    for (std::size_t i = 0; i < out.samples.ids.size(); ++i) {
      auto it = labels.by_id.find(out.samples.ids[i]);
      if (it == labels.by_id.end())
        CLEAVE_FORMAT_ERROR(path.string(), b.lines()[i], "id '{}' has no label in {}",
                            out.samples.ids[i], labels.file);
      out.samples.labels[i] = it->second.value;
    }
  }
  Checksum c;
  c.update_value(checksum_file(path));
  if (join) c.update_value(checksum_file(opt.labels_file));
  out.samples.checksum = c.digest();
  return out;
}

MoleculeSet molecules_from_smiles(const std::vector<std::string>& smiles,
                                  const std::vector<std::string>& ids,
                                  const MoleculeReadOptions& opt) {
  CLEAVE_EXPECTS(opt.n_bits >= 1 && opt.n_bits <= (1u << 24),
                 "fingerprint size must be 1 to 16777216 bits, got {}", opt.n_bits);
  CLEAVE_EXPECTS(opt.radius <= 64, "Morgan radius must be at most 64, got {}", opt.radius);
  CLEAVE_EXPECTS(ids.size() == smiles.size(), "{} ids but {} SMILES", ids.size(), smiles.size());
  if (!have_rdkit())
    CLEAVE_FAIL(invalid_argument, "SMILES input needs RDKit, and this cleave was built without it");
  MoleculeSet out;
  io_detail::RdkitQuiet quiet;
  Builder b("<memory>", opt, out);
  Checksum c;
  for (std::size_t k = 0; k < smiles.size(); ++k) {
    b.add(std::string(trim(smiles[k])), std::string(trim(ids[k])), 0.0, k + 1);
    c.update(smiles[k]);
    c.update("\x1f", 1);
    c.update(ids[k]);
    c.update("\x1e", 1);
  }
  b.flush();
  if (b.rows() == 0) CLEAVE_FAIL(format, "<memory>: no SMILES");
  if (out.samples.ids.empty())
    CLEAVE_FAIL(format, "<memory>: none of the {} SMILES could be parsed (first: {})",
                out.n_skipped, out.skipped_notes.empty() ? "" : out.skipped_notes.front());
  out.samples.checksum = c.digest();
  return out;
}

void join_labels(Samples& samples, const std::filesystem::path& labels_file,
                 const std::string& id_column, const std::string& label_column) {
  MoleculeReadOptions opt;
  opt.labels_id_column = id_column;
  opt.label_column = label_column;
  const LabelTable labels = read_labels_file(labels_file, opt);
  samples.label_name = labels.name;
  samples.labels.assign(samples.ids.size(), 0.0);
  for (std::size_t i = 0; i < samples.ids.size(); ++i) {
    auto it = labels.by_id.find(samples.ids[i]);
    if (it == labels.by_id.end())
      CLEAVE_FAIL(format, "{}: sample '{}' has no label", labels.file, samples.ids[i]);
    samples.labels[i] = it->second.value;
  }
  Checksum c;
  c.update_value(samples.checksum);
  c.update_value(checksum_file(labels_file));
  samples.checksum = c.digest();
}

}  // namespace cleave
