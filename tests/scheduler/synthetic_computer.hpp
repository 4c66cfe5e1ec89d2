#pragma once
// A synthetic PairComputer for the scheduler tests: the similarity of a pair
// is a hash of (seed, i, j) mapped to [0, 1), so every tile is cheap, exact
// and reproducible, and a brute-force loop gives the expected graph.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "cleave/graph.hpp"
#include "cleave/scheduler.hpp"
#include "cleave/util.hpp"

namespace sched_test {

inline uint64_t mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

inline double similarity(uint64_t seed, uint64_t i, uint64_t j) {
  uint64_t h = mix(mix(seed) ^ mix(i * 0x100000001b3ULL + j));
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

class HashComputer : public cleave::PairComputer {
 public:
  HashComputer(uint64_t n, uint64_t seed, double threshold = 0.9)
      : n_(n), seed_(seed), threshold_(threshold) {}

  // Knobs.
  uint64_t per_pair_bytes = 8;  ///< tile_bytes(t) = fixed_bytes + t * t * per_pair_bytes
  uint64_t fixed_bytes = 0;
  bool parallel = true;
  unsigned delay_us = 0;         ///< sleep per tile (a slow backend)
  int64_t fail_after = -1;       ///< calls after this many throw (a crash)
  bool filter_diagonal = true;   ///< false: a broken computer that counts i >= j
  uint64_t in_flight_cap = 0;    ///< max_in_flight()
  uint64_t device_per_pair = 0;  ///< device_tile_bytes(t) = t * t * device_per_pair
  uint64_t device_limit = 0;     ///< device_budget()

  [[nodiscard]] uint64_t size() const override { return n_; }
  [[nodiscard]] cleave::Measure measure() const override { return cleave::Measure::precomputed; }
  [[nodiscard]] double threshold() const override { return threshold_; }
  [[nodiscard]] cleave::Histogram histogram() const override {
    cleave::Histogram h;
    h.counts.assign(64, 0);
    return h;
  }
  [[nodiscard]] uint64_t input_checksum() const override {
    cleave::Checksum c;
    c.update_value(n_);
    c.update_value(seed_);
    return c.digest();
  }
  [[nodiscard]] uint64_t tile_bytes(uint64_t t) const override {
    return fixed_bytes + t * t * per_pair_bytes;
  }
  [[nodiscard]] bool concurrent() const override { return parallel; }
  [[nodiscard]] uint64_t max_in_flight() const override { return in_flight_cap; }
  [[nodiscard]] uint64_t device_tile_bytes(uint64_t t) const override {
    return t * t * device_per_pair;
  }
  [[nodiscard]] uint64_t device_budget() const override { return device_limit; }

  void compute(const cleave::Tile& t, cleave::TileResult& out) override {
    int now = ++active_;
    int seen = max_active_.load();
    while (now > seen && !max_active_.compare_exchange_weak(seen, now)) {
    }
    if (fail_after >= 0 && started_++ >= fail_after) {
      --active_;
      throw std::runtime_error("simulated crash");
    }
    if (delay_us) ::usleep(delay_us);
    for (uint64_t i = t.row0; i < t.row1; ++i) {
      uint64_t j0 = filter_diagonal ? std::max(t.col0, i + 1) : t.col0;
      for (uint64_t j = j0; j < t.col1; ++j) {
        double s = similarity(seed_, i, j);
        out.histogram.add(s);
        if (s >= threshold_ && i < j)
          out.edges.push_back(
              {static_cast<uint32_t>(i), static_cast<uint32_t>(j), static_cast<float>(s)});
      }
    }
    {
      std::lock_guard lock(mu_);
      tiles_.push_back(t);
    }
    --active_;
  }

  /// Tiles computed to the end, in completion order.
  [[nodiscard]] std::vector<cleave::Tile> tiles() const {
    std::lock_guard lock(mu_);
    return tiles_;
  }
  [[nodiscard]] int max_active() const { return max_active_.load(); }

  /// The graph from every pair, as run_all_pairs must return it.
  [[nodiscard]] cleave::Graph brute_force() const {
    cleave::GraphMeta meta;
    meta.measure = measure();
    meta.threshold = threshold_;
    meta.n_pairs = n_ * (n_ - 1) / 2;
    meta.input_checksum = input_checksum();
    meta.histogram = histogram();
    std::vector<cleave::Edge> edges;
    for (uint64_t i = 0; i < n_; ++i)
      for (uint64_t j = i + 1; j < n_; ++j) {
        double s = similarity(seed_, i, j);
        meta.histogram.add(s);
        if (s >= threshold_)
          edges.push_back(
              {static_cast<uint32_t>(i), static_cast<uint32_t>(j), static_cast<float>(s)});
      }
    return cleave::Graph::from_edges(n_, std::move(edges), std::move(meta));
  }

 private:
  uint64_t n_, seed_;
  double threshold_;
  std::atomic<int> active_{0}, max_active_{0};
  std::atomic<int64_t> started_{0};
  mutable std::mutex mu_;
  std::vector<cleave::Tile> tiles_;
};

/// A fresh directory for one test.
inline std::filesystem::path test_dir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() /
           ("cleave_sched_test_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

/// The bytes Graph::save writes, so graphs compare exactly.
inline std::string saved_bytes(const cleave::Graph& g, const std::filesystem::path& dir) {
  auto p = dir / "graph.cgr";
  g.save(p);
  std::ifstream in(p, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(p);
  std::filesystem::remove(p.string() + ".ids");
  return bytes;
}

/// Names in a directory (sorted).
inline std::vector<std::string> listing(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace sched_test
