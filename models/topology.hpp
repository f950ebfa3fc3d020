// SCALE-Sim topology files: one layer per row, for timing a workload without a trained network.
//   conv form: Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels,
//              Num Filter, Strides[, Stride W],
//   GEMM form: Layer[ Name], M, N, K,   (an M x K input times a K x N weight: M pixels of K channels
//              through N filters, as SCALE-Sim maps it)
// Rows may end with a comma (SCALE-Sim's own files do). As in SCALE-Sim, the IFMAP is taken as
// already padded (output = (H - Fh) / S + 1) and a layer whose name contains "DP" is depthwise.
// Each row becomes a one-layer network with deterministic synthetic weights, so `ccsim run
// --topology` times it under any sparsity scheme through the one front end and golden check.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/network.hpp"

namespace ccsim::model {

struct TopologyLayer {
  std::string name;
  int ifmap_h = 1;
  int ifmap_w = 1;
  int channels = 1;
  int filters = 1;
  Window window;  // filter size and strides; no padding (SCALE-Sim's IFMAP includes it)
  bool depthwise = false;

  int out_h() const { return (ifmap_h - window.kh) / window.stride_h + 1; }
  int out_w() const { return (ifmap_w - window.kw) / window.stride_w + 1; }
  // SCALE-Sim's count, ceil((H - Fh + S) / S): one more output row (column) when H - Fh is not a
  // multiple of S, a last window that hangs past the IFMAP's edge.
  int scalesim_out_h() const { return (ifmap_h - window.kh + 2 * window.stride_h - 1) / window.stride_h; }
  int scalesim_out_w() const { return (ifmap_w - window.kw + 2 * window.stride_w - 1) / window.stride_w; }
};

// For the user: "" when ccsim and SCALE-Sim count the same output pixels, else e.g. "layer
// 'Conv1': (224 - 11) is not a multiple of the stride 4: ccsim computes 54x54 output pixels (every
// window inside the IFMAP), SCALE-Sim counts 55x55 (a last window past its edge)".
std::string scalesim_ofmap_note(const TopologyLayer& layer);

// Throws std::invalid_argument naming the file, line and column for a malformed file: a header
// of neither form, a field that is not a positive integer, a filter larger than the IFMAP, a
// depthwise layer whose filter count differs from its channels, sizes beyond ccsim's limits.
std::vector<TopologyLayer> load_topology(const std::string& path);

// The layer as a one-layer network: a convolution (groups = channels when depthwise) without bias,
// weights drawn from N(0, 2 / fan-in) with a seed from `seed`, so runs are reproducible.
Network synthetic_network(const TopologyLayer& layer, std::uint32_t seed);

}  // namespace ccsim::model
