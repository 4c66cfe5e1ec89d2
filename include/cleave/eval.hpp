#pragma once
/// @file eval.hpp
/// @brief The evaluator: spectral performance curves (SPC), the area under
/// them (AUSPC) with a bootstrap interval, plots and reports, and a
/// nearest-neighbour baseline scored on every split of a split set.
///
/// SPECTRA (Ektefaie et al., Nat Mach Intell 2024) scores a model on splits
/// made at spectral parameters p in [0, 1]; a higher p leaves less overlap
/// between train and test. The SPC is the mean score against p (and against
/// the overlap measured on each split); AUSPC is its trapezoidal area.
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "cleave/graph.hpp"
#include "cleave/io.hpp"

namespace cleave {

// ---------------------------------------------------------------- inputs

/// @brief One score of one model on one split.
struct ScoreRow {
  std::string metric = "score";  ///< the metric column's value ("score" when absent)
  double sp = 0;                 ///< spectral parameter of the split, in [0, 1]
  int repeat = 0;                ///< repeat (seed position) of the split
  double score = 0;              ///< NaN when the metric was undefined on the split
};

/// @brief Reads a scores CSV: header with columns sp, repeat, score and
/// optionally metric (other columns are ignored); "nan" scores are kept.
/// @param path the CSV file
/// @return rows in file order
/// @throws cleave::error errc::io when unreadable; errc::format naming
///   file:line for an empty file, missing columns, bad numbers, sp outside
///   [0, 1] or a duplicate (metric, sp, repeat).
std::vector<ScoreRow> read_scores(const std::filesystem::path& path);

/// @brief One row of a split set's stats.tsv.
struct SplitStatsRow {
  /// The spectral parameter, or for a min-cut split set (column `target`)
  /// the target overlap.
  double sp = 0;
  /// Folder prefix of the split: "sp" (SPECTRA sweep) or "ov" (min-cut).
  std::string dir_prefix = "sp";
  int repeat = 0;
  uint64_t seed = 0;
  bool valid = false;
  uint64_t kept = 0;
  uint64_t train = 0;
  uint64_t test = 0;
  /// Every column whose name starts with "overlap_", by name (NaN when empty).
  std::map<std::string, double> overlap;
};

/// @brief Reads SPLITS/stats.tsv (tab-separated, header; columns found by
/// name, unknown ones ignored).
/// @throws cleave::error errc::format naming file:line on malformed input.
std::vector<SplitStatsRow> read_split_stats(const std::filesystem::path& path);

// ---------------------------------------------------------------- SPC and AUSPC

/// @brief Options of evaluate().
struct EvalOptions {
  int bootstrap = 1000;                         ///< resamples; 0 = no interval
  uint64_t seed = 0;                            ///< seed of the bootstrap draws
  std::string overlap_column = "overlap_frac";  ///< stats.tsv column used as overlap
};

/// @brief One point of an SPC: the scores of all repeats at one p.
struct SpcPoint {
  double sp = 0;
  double mean = 0;
  double sd = 0;                 ///< sample standard deviation; NaN when n < 2
  int n = 0;                     ///< repeats with a defined score
  double overlap = 0;            ///< mean measured overlap of those repeats; NaN when unknown
  std::vector<int> repeats;      ///< repeat numbers, ascending
  std::vector<double> scores;    ///< score per repeat
  std::vector<double> overlaps;  ///< measured overlap per repeat (NaN when unknown)
  /// Test samples behind each repeat's score, from the split stats (0 when
  /// no stats were joined).
  std::vector<uint64_t> tests;
};

/// @brief The SPC and AUSPC of one metric.
struct MetricResult {
  std::string metric;
  std::vector<SpcPoint> points;  ///< ascending in sp
  double auspc = 0;              ///< trapezoid over [p_min, p_max]; NaN with < 2 points
  double auspc_norm = 0;         ///< auspc / (p_max - p_min)
  double ci_low = 0;             ///< 2.5th bootstrap percentile (NaN without bootstrap)
  double ci_high = 0;            ///< 97.5th bootstrap percentile
  double p_min = 0;
  double p_max = 0;
  int bootstrap = 0;            ///< resamples drawn
  std::size_t n_undefined = 0;  ///< NaN scores skipped
  std::string overlap_column;   ///< empty when no stats were joined
  [[nodiscard]] std::size_t n_points() const { return points.size(); }
  [[nodiscard]] bool has_overlap() const { return !overlap_column.empty(); }
};

/// @brief Trapezoidal area under y(x); x must be ascending.
double trapezoid(std::span<const double> x, std::span<const double> y);

/// @brief AUSPC of a curve of points (ascending sp): trapezoid of the means.
double auspc_of(const std::vector<SpcPoint>& points);

/// @brief Percentile bootstrap interval of AUSPC: repeats are resampled with
/// replacement within each p. Deterministic in (points, resamples, seed).
/// @return {2.5th, 97.5th} percentiles (linear interpolation); NaN when
///   resamples < 1 or fewer than 2 points.
std::pair<double, double> bootstrap_auspc(const std::vector<SpcPoint>& points, int resamples,
                                          uint64_t seed);

/// @brief Builds the SPC of every metric (in order of first appearance).
/// @param scores rows from read_scores() or the baseline
/// @param stats rows from read_split_stats(), or empty: joined on (sp, repeat)
///   to give measured overlap from column opt.overlap_column
/// @throws cleave::error errc::invalid_argument when the overlap column is
///   not in the stats, or no metric has a defined score.
std::vector<MetricResult> evaluate(const std::vector<ScoreRow>& scores,
                                   const std::vector<SplitStatsRow>& stats,
                                   const EvalOptions& opt = {});

// ---------------------------------------------------------------- outputs

/// @brief The SPC plot: per metric a panel of score against p (mean line,
/// +-sd band, a point per repeat) and, when overlap is known, a panel of score
/// against measured overlap. A complete standalone SVG document.
std::string render_spc_svg(const std::vector<MetricResult>& results);

/// @brief Writes OUT/auspc.tsv, OUT/spc.tsv, OUT/spc.svg and OUT/report.html
/// (each atomically; OUT is created).
void write_evaluation(const std::filesystem::path& out_dir,
                      const std::vector<MetricResult>& results);

// ---------------------------------------------------------------- metrics

/// @brief Ranks 1..n, ties given the average of the ranks they span.
std::vector<double> average_ranks(std::span<const double> v);

/// @brief Spearman's rho (Pearson correlation of average ranks); NaN when
/// either side is constant or n < 2.
double spearman(std::span<const double> x, std::span<const double> y);

/// @brief Coefficient of determination 1 - SSres/SStot of predictions;
/// NaN when the truth is constant or n < 2.
double r2_score(std::span<const double> truth, std::span<const double> pred);

/// @brief Area under the ROC curve by Mann-Whitney U (ties count 1/2);
/// labels are 0/1; NaN when only one class is present.
double auroc(std::span<const double> labels, std::span<const double> scores);

// ---------------------------------------------------------------- baseline

/// @brief Options of the nearest-neighbour baseline.
struct BaselineOptions {
  int k = 5;                            ///< neighbours averaged per prediction
  Measure measure = Measure::tanimoto;  ///< fingerprint measure (fingerprint source only)
  int threads = 0;                      ///< 0 = all cores
  bool progress = true;
};

/// @brief One metric of the baseline on one split.
struct BaselineScore {
  std::string metric;
  double sp = 0;
  int repeat = 0;
  double score = 0;      ///< NaN when undefined on the split
  double nn_maxsim = 0;  ///< mean over test of the max similarity to train
};

/// @brief Predictions of a k-nearest-neighbour regressor for one split.
struct KnnPrediction {
  std::vector<double> pred;    ///< per test sample
  std::vector<double> maxsim;  ///< per test sample: max similarity to train
};

/// @brief k-NN prediction from exact fingerprint similarity to every train
/// sample: the similarity-weighted mean label of the k most similar (ties by
/// lower index; plain mean when all k similarities are 0). Samples whose
/// label is NaN are never neighbours.
KnnPrediction knn_predict(const Fingerprints& fps, std::span<const double> labels,
                          std::span<const uint32_t> train, std::span<const uint32_t> test,
                          const BaselineOptions& opt);

/// @brief k-NN prediction from graph neighbours only (edge weight = similarity);
/// a test sample with no train neighbour gets the mean train label.
KnnPrediction knn_predict(const Graph& g, std::span<const double> labels,
                          std::span<const uint32_t> train, std::span<const uint32_t> test,
                          const BaselineOptions& opt);

/// @brief Scores the k-NN baseline on every valid split of a split set.
/// Binary labels (all 0/1) give auroc; others spearman and r2. Test samples
/// with a NaN label are not scored.
/// @param samples ids and labels (indices match the similarity source)
/// @param fps fingerprints of the samples
/// @param split_dir directory with stats.tsv and sp_<p>_r<k>/{train,test}.txt
/// @throws cleave::error errc::format naming file:line for an unknown id.
std::vector<BaselineScore> knn_baseline(const Samples& samples, const Fingerprints& fps,
                                        const std::filesystem::path& split_dir,
                                        const BaselineOptions& opt = {});

/// @brief As above with a graph as the similarity source.
std::vector<BaselineScore> knn_baseline(const Samples& samples, const Graph& g,
                                        const std::filesystem::path& split_dir,
                                        const BaselineOptions& opt = {});

/// @brief Writes a scores CSV that read_scores() reads back: header
/// sp,repeat,metric,score,nn_maxsim; undefined scores as "nan".
void write_scores(const std::filesystem::path& path, const std::vector<BaselineScore>& rows);

/// @brief The baseline rows as score rows for evaluate().
std::vector<ScoreRow> to_score_rows(const std::vector<BaselineScore>& rows);

}  // namespace cleave
