#pragma once
/// @file augood.hpp
/// @brief AU-GOOD (Fernandez-Diaz et al., Hestia-GOOD, 2024): a model's
/// performance on splits made at similarity thresholds, weighted by how a
/// deployment set's similarity to the training data is distributed.
///
/// Thresholds t_1 < ... < t_K carry the model's mean score v_k on a split
/// whose test samples are at most t_k similar to train. Each deployment
/// sample has m, its largest similarity to any training sample (from
/// `cleave audit` or `cleave search --top 1`). Weight w_k is the share of
/// deployment samples with t_(k-1) < m <= t_k (m <= t_1 for the first); the
/// GOOD curve is w_k v_k and AU-GOOD its sum: the score to expect on the
/// deployment set. Samples above t_K lie outside the curve and are counted
/// apart (as Hestia-GOOD does, they take no weight).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace cleave {

/// @brief One threshold of the curve.
struct GoodPoint {
  double threshold = 0;
  double score = 0;       ///< mean over the rows at this threshold
  uint64_t rows = 0;      ///< scores averaged
  double weight = 0;      ///< share of the deployment samples in this bin
  uint64_t deployed = 0;  ///< deployment samples in this bin
};

struct GoodResult {
  std::string metric;
  std::vector<GoodPoint> points;  ///< ascending threshold
  double au_good = 0;
  uint64_t outside = 0;  ///< deployment samples above the last threshold
};

/// @brief AU-GOOD of each metric of a curve.
/// @param thresholds, scores, metrics one row each (metrics may be empty:
///   one metric "score"); rows of one metric and threshold are averaged
/// @param deployment max similarities of the deployment samples (NaN: none, skipped)
/// @throws cleave::error errc::invalid_argument for sizes that differ, a
///   non-finite threshold or score, or no deployment sample inside the curve.
std::vector<GoodResult> au_good(const std::vector<double>& thresholds,
                                const std::vector<double>& scores,
                                const std::vector<std::string>& metrics,
                                const std::vector<double>& deployment);

/// @brief Reads a curve CSV: columns threshold and score, optionally metric.
/// @throws cleave::error errc::format naming file:line.
void read_good_curve(const std::filesystem::path& path, std::vector<double>& thresholds,
                     std::vector<double>& scores, std::vector<std::string>& metrics);

/// @brief Reads one column of max similarities from a TSV with a header
/// (`cleave audit`'s nearest.tsv: max_similarity; NA is skipped).
/// @throws cleave::error errc::format naming file:line.
std::vector<double> read_similarity_column(const std::filesystem::path& path,
                                           const std::string& column);

}  // namespace cleave
