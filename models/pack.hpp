// The front end: float network -> batch norm folded -> columns combined and conflict losers
// pruned -> activations calibrated on sample inputs -> int8 quantization -> PackedNetwork.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "models/column_combine.hpp"
#include "models/network.hpp"
#include "models/onnx_tensor.hpp"
#include "models/packed_network.hpp"

namespace ccsim::model {

// Which weight layers the global options combine. The reference (BradMcDanel/column-combine)
// combines the convolutions after the first weight layer; the first layer (few input channels,
// most sensitive) and fully connected layers stay dense (alpha 1).
enum class CombineScope { Reference, AllWeightLayers };

// Which grouping a weight layer gets, first match wins: a per-layer override; the column
// groups the layer carries from training (unless `regroup`); the global options for a layer in
// `scope`; dense (alpha 1) for a layer outside it.
// When the global options were asked for explicitly (`combine_given`, e.g. pack --alpha), a
// layer whose carried groups were made with another alpha or gamma is refused unless `regroup`:
// keeping them would silently not do what was asked.
struct PackOptions {
  CombineOptions combine;                             // every weight layer in `scope`
  CombineScope scope = CombineScope::Reference;
  std::map<std::string, CombineOptions> per_layer;    // overrides by layer name
  bool regroup = false;                               // ignore column groups carried by layers
  bool combine_given = false;                         // `combine` was asked for, not a default
  // No calibration (`calibration` may be empty): every activation scale is a placeholder
  // (absmax 1). For timing only: the packed network's structure and weights are the same, its
  // computed values are not those of the float network.
  bool timing_only = false;
  // Widths of the quantized activations and weights, 2 to 8 bits (PackedNetwork).
  int activation_bits = 8;
  int weight_bits = 8;
};

struct PackResult {
  PackedNetwork packed;
  Network pruned;  // the float network after folding and pruning (what retraining would start from)
  // Weight layers grouped here at alpha > 1 rather than with groups carried from training: their
  // conflict losers were pruned from a network not trained for it.
  std::vector<std::string> combined_untrained;
  std::vector<std::string> kept_dense_by_scope;  // in the network, outside `scope`, no override
};

// Whether `scope` lets the global options combine weight layer `layer_index` of `net`.
bool in_combine_scope(const Network& net, std::size_t layer_index, CombineScope scope);

// Whether layer i of a folded network runs the ReLU / ReLU6 after it in its output stage: a
// weight layer or an Add whose output only that activation reads.
bool fuses_activation(const Network& folded, const std::vector<int>& readers, std::size_t i);

// `calibration` is a batch of prepared float inputs (see run_float). Throws std::invalid_argument
// naming the layer on anything that cannot be packed, and for per-layer overrides that name no
// weight layer.
PackResult pack_network(Network net, const PackOptions& options, const FloatTensor& calibration);

// Symmetric scale of a tensor whose largest magnitude is absmax, for `bits`-bit values:
// absmax / (2^(bits-1) - 1) (1 if absmax is 0).
float symmetric_scale(float absmax, int bits = 8);

}  // namespace ccsim::model
