#pragma once
// Internal: backing storage of a Graph and the on-disk header.
#include <cstdint>
#include <vector>

namespace cleave::detail {

struct OwnedCsr {
  std::vector<uint64_t> offsets;
  std::vector<uint32_t> cols;
  std::vector<float> weights;
};

inline constexpr char kGraphMagic[8] = {'C', 'L', 'V', 'G', 'R', 'A', 'P', 'H'};
inline constexpr uint32_t kGraphVersion = 1;

/// Fixed-size file header; all offsets in bytes from the start of the file.
struct GraphFileHeader {
  char magic[8];
  uint32_t version;
  uint32_t header_bytes;
  uint64_t n_nodes;
  uint64_t n_edges;    // undirected
  uint64_t adj_count;  // 2 * n_edges
  uint64_t n_pairs;
  uint32_t measure;
  uint32_t hist_bins;
  double threshold;
  double hist_lo;
  double hist_hi;
  uint64_t input_checksum;
  uint64_t off_hist;
  uint64_t off_offsets;
  uint64_t off_cols;
  uint64_t off_weights;
  uint64_t off_params;
  uint64_t params_bytes;
  uint64_t file_bytes;
  uint64_t data_checksum;    // of bytes [header_bytes, file_bytes)
  uint64_t header_checksum;  // of this header with header_checksum = 0
  /// Checksum of the sidecar ids file's bytes; 0 in files written before it
  /// was recorded (then not checked).
  uint64_t ids_checksum;
  uint8_t reserved[88];
};
static_assert(sizeof(GraphFileHeader) == 256, "graph header must stay 256 bytes");

}  // namespace cleave::detail
