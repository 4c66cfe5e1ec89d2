#pragma once
/// @file search.hpp
/// @brief Query-against-target similarity (rectangular, exact) and the audit
/// of an existing train/test split.
///
/// search() computes the similarity of every query against every target
/// with the same per-pair arithmetic as the all-pairs graph (popcount
/// Tanimoto/Dice/cosine on fingerprints, float cosine on unit embeddings,
/// alignment identity on sequences), so a pair's similarity equals its
/// graph weight before the graph rounds it to float. Per query it keeps the
/// nearest target, the hits at or above a threshold and optionally only
/// the best k of them. Work is split over queries (and, for pairs inside one
/// dataset, over the lower-index side of each pair), and every reduction is
/// order-free, so results are identical on any thread count.
///
/// Queries go in blocks (consecutive queries against every target): a
/// block's results are final when it finishes, so they stream out block by
/// block (search_blocks()) and, with a work directory, each finished block
/// is kept in a checksummed file listed by a checkpoint, so an interrupted
/// search resumes where it stopped. Results do not depend on the block
/// size, the thread count or a resume.
///
/// Fingerprint searches can run on a GPU (SearchOptions::backend = cuda):
/// the device computes the counts of every pair and the host finishes
/// them with the same arithmetic, so the results are those of the CPU.
///
/// audit() answers, for a split a user already has: which test (and
/// validation) samples have a close train neighbour, which one, and how
/// close, together with the overlap definitions `cleave split` reports.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "cleave/dataset.hpp"
#include "cleave/embedding.hpp"
#include "cleave/graph.hpp"
#include "cleave/io.hpp"
#include "cleave/sequence.hpp"
#include "cleave/split.hpp"

namespace cleave {

/// @brief The features of one dataset, as one kind: fingerprints,
/// embeddings or sequences (a view: the pointed-to set must outlive it).
struct FeatureView {
  const Fingerprints* fps = nullptr;
  const EmbeddingSet* embeddings = nullptr;
  const Sequences* sequences = nullptr;
  /// Number of samples; throws invalid_argument unless exactly one kind is set.
  [[nodiscard]] uint64_t size() const;
};

/// @brief How a search went through its blocks (SearchOptions::report).
struct SearchReport {
  uint64_t blocks = 0;           ///< blocks of the run
  uint64_t block_rows = 0;       ///< queries per block (the last may hold fewer)
  uint64_t blocks_resumed = 0;   ///< read back from the work directory
  uint64_t blocks_computed = 0;  ///< computed by this run
  uint64_t blocks_repaired = 0;  ///< listed as done but damaged, computed again
  uint64_t memory_budget = 0;    ///< bytes
  /// Sequences with the prefilter: slices of the targets' seed index (1:
  /// the whole index; more when it did not fit the budget, each slice then
  /// built again for every block); 0 without the prefilter.
  uint64_t index_slices = 0;
};

/// @brief Options of search().
struct SearchOptions {
  /// Fingerprints: tanimoto, dice or cosine. Embeddings: cosine.
  /// Sequences: identity (the alignment settings come from `align`).
  Measure measure = Measure::tanimoto;
  /// Sequences only; align.threshold is not used. align.search picks the
  /// pairs: exhaustive (every pair), prefilter (only the seed prefilter's
  /// candidates, as in `cleave graph`; a target that is no candidate of a
  /// query counts as not found), or automatic (the prefilter once all
  /// pairs would cost more than align.exhaustive_cells DP cells), with
  /// align.sensitivity.
  AlignOptions align;
  /// Hits are targets with similarity >= threshold; -inf keeps every pair
  /// (then `top` must be set).
  double threshold = -std::numeric_limits<double>::infinity();
  /// 0: every hit; k: the k best hits of each query.
  uint32_t top = 0;
  bool progress = false;
  std::string progress_label = "search";
  /// Memory budget in bytes (0: a quarter of RAM). It bounds the features
  /// gathered and one block's working memory and results: the block size
  /// is chosen from it, and a run whose targets and one query do not fit,
  /// or whose block's hits do not, fails with errc::out_of_memory stating
  /// what it needs. search_blocks() holds one block's results at a time;
  /// search() returns every hit, which this budget does not bound.
  uint64_t max_memory = 0;
  /// Checkpoint directory (empty: none). Each finished block goes to a
  /// durable checksummed file and the checkpoint lists it with a digest of
  /// everything the results depend on (features, query and target lists,
  /// measure, alignment settings, threshold, top, target ranks). A rerun
  /// with the same directory reads finished blocks back (a damaged one is
  /// computed again with a warning) and computes only the rest; a
  /// checkpoint made for other inputs or parameters is refused
  /// (errc::invalid_argument, naming the file). The files are removed when
  /// the search finishes; a failed or cancelled search keeps them.
  std::filesystem::path work_dir;
  /// Queries per block; 0: chosen from max_memory and the thread count
  /// (on resume: the checkpoint's).
  uint64_t block_rows = 0;
  /// Filled in when the search finishes, when set.
  SearchReport* report = nullptr;
  /// Where pairs are computed. cpu: the threads of this machine. cuda
  /// (fingerprints only): the query x target kernel of
  /// kernels/search_kernel.hpp on the device; results, blocks, checkpoints
  /// and top k are identical to cpu's, and a checkpoint of either backend
  /// resumes on the other. It throws errc::cuda when no device is usable
  /// and errc::invalid_argument for embeddings and sequences. automatic:
  /// cpu for now, since no run on a device has validated the kernel yet.
  Backend backend = Backend::automatic;
};

/// @brief One hit: a target index and the pair's similarity.
struct SearchHit {
  uint32_t target = 0;
  double similarity = 0;
};

/// @brief What search() found for every query.
struct SearchResult {
  /// Hits of query q: hits[offsets[q], offsets[q + 1]), by descending
  /// similarity, ties by the target rank given to search().
  std::vector<uint64_t> offsets;
  std::vector<SearchHit> hits;
  /// Nearest target of each query (ties by rank); kNone without targets.
  std::vector<uint32_t> nearest;
  std::vector<double> max_similarity;  ///< NaN without targets
  static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
};

/// @brief Every query against every target of two datasets. Each pair is
/// computed with the query as the first sequence (s1). Ties between
/// targets are broken by `target_rank` (lower first; empty: by index).
/// @throws cleave::error errc::invalid_argument for kinds that differ, a
///   measure that does not apply, fingerprints or embeddings of different
///   widths, or threshold -inf without top.
SearchResult search(const FeatureView& queries, const FeatureView& targets,
                    const SearchOptions& opt, const std::vector<uint64_t>& target_rank = {});

/// @brief Receives one block of a search: the results of queries
/// [first_query, first_query + block.nearest.size()), offsets relative to
/// the block. Blocks arrive in query order, each once.
using SearchSink = std::function<void(uint64_t first_query, const SearchResult& block)>;

/// @brief search(), handing the results to `sink` block by block instead of
/// returning them all, so that only one block's hits are held at a time.
void search_blocks(const FeatureView& queries, const FeatureView& targets, const SearchOptions& opt,
                   const std::vector<uint64_t>& target_rank, const SearchSink& sink);

/// @brief Queries and targets as index lists into one dataset, each pair
/// computed as the all-pairs graph computes it (the lower index as s1), so
/// similarities equal the graph's. Result rows follow `queries`; hit
/// targets are positions in `targets`. The lists must not share an index.
SearchResult search_within(const FeatureView& data, const std::vector<uint32_t>& queries,
                           const std::vector<uint32_t>& targets, const SearchOptions& opt,
                           const std::vector<uint64_t>& target_rank = {});

/// @brief search_within(), block by block (see search_blocks()); blocks
/// are runs of consecutive entries of `queries`.
void search_within_blocks(const FeatureView& data, const std::vector<uint32_t>& queries,
                          const std::vector<uint32_t>& targets, const SearchOptions& opt,
                          const std::vector<uint64_t>& target_rank, const SearchSink& sink);

/// @brief The features of a dataset: fingerprints (SMILES, FPS), sequences
/// (FASTA) or embeddings (NPY).
/// @throws cleave::error errc::invalid_argument naming the file for DMS and
///   pairs inputs, which have none.
FeatureView dataset_features(const Dataset& data);

/// @brief The similarity settings a dataset's options give a search of
/// features `f`: fingerprints by opt.molecules.measure, embeddings by
/// cosine, sequences by identity with align_options(opt.sequences). ctx
/// supplies the backend, memory budget, work directory and progress;
/// threshold and top are left unset.
SearchOptions search_settings(const DatasetOptions& opt, const FeatureView& f,
                              const Context& ctx = {});

/// @brief The graph's default threshold for features `f` (0.4
/// fingerprints, 0.9 embeddings, by alphabet for sequences).
double default_search_threshold(const FeatureView& f);

/// @brief Ranks that break ties by id: rank[i] is the position of ids[i]
/// in byte order, so the smaller id wins a tie (as `cleave search` does).
std::vector<uint64_t> id_ranks(const std::vector<std::string>& ids);

/// @brief The header line of `cleave search`'s hits TSV.
inline constexpr const char* kHitsHeader = "query_id\ttarget_id\tsimilarity\n";

/// @brief Appends one block's hits to `out` as `cleave search` writes them:
/// `query_id<TAB>target_id<TAB>similarity` (six decimals), queries
/// [first_query, ...) of `query_ids`, targets by index into `target_ids`.
void write_hits(std::FILE* out, const std::vector<std::string>& query_ids, uint64_t first_query,
                const std::vector<std::string>& target_ids, const SearchResult& block);

/// @brief Side of a sample in an existing split.
enum class SplitSide : int8_t { none = -1, train = 0, validation = 1, test = 2 };
const char* split_side_name(SplitSide s);

/// @brief An existing split of a dataset: one side per sample.
struct SplitAssignment {
  std::string name;  ///< the split's folder name, or the file's name
  std::vector<SplitSide> side;
};

/// @brief Reads a split of `samples`: a folder with train.txt and test.txt
/// (and optionally validation.txt), one id per line; or a CSV file whose
/// column `column` holds train / valid / validation / test for each id in
/// column `id_column` (empty: the first column). Samples not named are left
/// out (SplitSide::none).
/// @throws cleave::error errc::format naming file:line for an unknown id, an
///   id named twice, or an unknown side; errc::io when unreadable.
SplitAssignment read_split(const std::filesystem::path& path, const Samples& samples,
                           const std::string& column = "split", const std::string& id_column = "");

/// @brief Every split to audit under `path`: one split (a folder with
/// train.txt and test.txt, or a CSV file), or a split set written by
/// `cleave split` / `cleave partition` (a folder with stats.tsv whose
/// subfolders are splits, audited in name order).
std::vector<SplitAssignment> read_splits(const std::filesystem::path& path, const Samples& samples,
                                         const std::string& column = "split",
                                         const std::string& id_column = "");

/// @brief Options of audit().
struct AuditOptions {
  /// Measure, alignment, memory budget and work directory; threshold and
  /// top are set by audit(). The search streams its blocks, so only one
  /// block's hits are held.
  SearchOptions search;
  /// The graph threshold of the overlap definitions (overlap_frac, ...).
  double threshold = 0.3;
  /// Thresholds at which the fraction of samples with a reference neighbour is reported.
  std::vector<double> levels = {0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0};
  bool against_validation = false;  ///< reference side: train, or train and validation
};

/// @brief One audited sample: its nearest reference sample.
struct AuditRow {
  uint32_t sample = 0;
  SplitSide side = SplitSide::test;
  uint32_t nearest = SearchResult::kNone;  ///< sample index
  double max_similarity = 0;               ///< NaN without a reference sample
};

/// @brief Summary of one side (test or validation) of one split.
struct AuditSummary {
  SplitSide side = SplitSide::test;
  uint64_t samples = 0;               ///< on this side
  uint64_t reference = 0;             ///< reference samples
  std::vector<double> frac_at_level;  ///< per AuditOptions::levels: max similarity >= level
  double mean_max_similarity = 0;     ///< NaN without reference or samples
  /// `cleave split`'s definitions at the graph threshold: the fraction with
  /// a reference neighbour, the mean over samples of the largest neighbour
  /// weight (0 without one), the summed neighbour weights over all pairs.
  /// Weights are rounded to float as graph weights are.
  double overlap_frac = 0, overlap_maxsim = 0, overlap_meansim = 0;
};

/// @brief An audit of one split.
struct AuditResult {
  std::string name;
  std::vector<AuditRow> rows;           ///< test samples, then validation, each in index order
  std::vector<AuditSummary> summaries;  ///< test, then validation when it has samples
  std::vector<double> levels;
};

/// @brief Audits one split of a dataset.
AuditResult audit(const FeatureView& data, const Samples& samples, const SplitAssignment& split,
                  const AuditOptions& opt);

/// @brief Audits every split of a split set (read_splits), in order. With
/// several splits and a work directory, each split keeps its checkpoint in
/// the subfolder `split-<k>` of it (removed once that split is done).
std::vector<AuditResult> audit_splits(const FeatureView& data, const Samples& samples,
                                      const std::vector<SplitAssignment>& splits,
                                      const AuditOptions& opt);

/// @brief Writes DIR/nearest.tsv, DIR/summary.tsv and DIR/report.html for
/// the audits (one split: as they are; several: nearest.tsv in a subfolder
/// per split, one summary.tsv with a `split` column). Each file atomically.
void write_audit(const std::filesystem::path& dir, const Samples& samples,
                 const std::vector<AuditResult>& audits, const AuditOptions& opt);

}  // namespace cleave
