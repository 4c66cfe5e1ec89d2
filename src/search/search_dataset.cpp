/// @file search_dataset.cpp
/// @brief Searches and audits of datasets (search.hpp): features and
/// similarity settings from a dataset's options, id tie ranks, the hits
/// file's lines and the audit of a whole split set. `cleave search`,
/// `cleave audit`, the C API and the Python package all go through these.
#include <algorithm>
#include <numeric>
#include <system_error>

#include <fmt/format.h>

#include "cleave/error.hpp"
#include "cleave/search.hpp"

namespace cleave {

FeatureView dataset_features(const Dataset& data) {
  FeatureView f;
  if (data.fps) f.fps = &*data.fps;
  if (data.embeddings) f.embeddings = &*data.embeddings;
  if (data.sequences) f.sequences = &*data.sequences;
  CLEAVE_EXPECTS(f.fps || f.embeddings || f.sequences,
                 "{}: search and audit need features (SMILES, FPS, FASTA or NPY); DMS and pairs "
                 "inputs have none",
                 data.path.string());
  return f;
}

SearchOptions search_settings(const DatasetOptions& opt, const FeatureView& f, const Context& ctx) {
  SearchOptions o;
  if (f.sequences) {
    o.measure = Measure::identity;
    o.align = align_options(opt.sequences, f.sequences->alphabet, ctx);
  } else {
    o.measure = f.embeddings ? Measure::cosine : opt.molecules.measure;
  }
  o.backend = ctx.backend;
  o.max_memory = ctx.max_memory;
  o.work_dir = ctx.work_dir;
  o.progress = ctx.progress;
  return o;
}

double default_search_threshold(const FeatureView& f) {
  if (f.sequences) return default_identity_threshold(f.sequences->alphabet);
  return f.embeddings ? kDefaultEmbeddingThreshold : kDefaultFingerprintThreshold;
}

std::vector<uint64_t> id_ranks(const std::vector<std::string>& ids) {
  std::vector<uint64_t> order(ids.size()), rank(ids.size());
  std::iota(order.begin(), order.end(), uint64_t{0});
  std::sort(order.begin(), order.end(), [&](uint64_t x, uint64_t y) { return ids[x] < ids[y]; });
  for (uint64_t k = 0; k < order.size(); ++k) rank[order[k]] = k;
  return rank;
}

void write_hits(std::FILE* out, const std::vector<std::string>& query_ids, uint64_t first_query,
                const std::vector<std::string>& target_ids, const SearchResult& block) {
  for (uint64_t k = 0; k < block.nearest.size(); ++k)
    for (uint64_t h = block.offsets[k]; h < block.offsets[k + 1]; ++h)
      fmt::print(out, "{}\t{}\t{:.6f}\n", query_ids[first_query + k],
                 target_ids[block.hits[h].target], block.hits[h].similarity);
}

std::vector<AuditResult> audit_splits(const FeatureView& data, const Samples& samples,
                                      const std::vector<SplitAssignment>& splits,
                                      const AuditOptions& opt) {
  std::vector<AuditResult> audits;
  audits.reserve(splits.size());
  const std::filesystem::path& work = opt.search.work_dir;
  for (std::size_t k = 0; k < splits.size(); ++k) {
    AuditOptions o = opt;
    if (!work.empty() && splits.size() > 1) o.search.work_dir = work / fmt::format("split-{}", k);
    audits.push_back(audit(data, samples, splits[k], o));
    std::error_code ec;
    if (o.search.work_dir != work) std::filesystem::remove(o.search.work_dir, ec);  // if empty
  }
  return audits;
}

}  // namespace cleave
