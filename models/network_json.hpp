// The project's own JSON network description ("format": "ccsim-network", "version": 1).
//
// {
//   "format": "ccsim-network", "version": 1, "name": "...",
//   "input": {"channels": 1, "height": 28, "width": 28,
//             "preprocess": {"scale": 0.00392157, "mean": [0.286], "std": [0.353]}},
//   "layers": [
//     {"name": "conv0", "type": "conv", "out_channels": 32, "kernel": [3, 3], "stride": [1, 1],
//      "pad": [1, 1, 1, 1] (top, left, bottom, right), "groups": 1, "weight": [...], "bias": [...]},
//     {"type": "batchnorm", "scale": [...], "bias": [...], "mean": [...], "var": [...], "eps": 1e-5},
//     {"type": "relu"}, {"type": "relu6"},
//     {"type": "shift", "offsets": [[dy, dx], ...]},
//     {"type": "maxpool" | "avgpool", "kernel": [2, 2], "stride": [2, 2], "pad": [0, 0, 0, 0],
//      "count_include_pad": false},
//     {"type": "global_avgpool"}, {"type": "flatten"},
//     {"type": "linear", "out_features": 10, "weight": [...], "bias": [...]},
//     {"type": "pad", "pad": [1, 1, 1, 1]},
//     {"type": "add", "inputs": ["conv2", "pool1"]}, {"type": "concat", "inputs": ["a", "b"]}
//   ]
// }
// Every layer reads the layer before it unless it names its "inputs" (earlier layers, or
// "@input" for the network input); add and concat always do.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "models/network.hpp"

namespace ccsim::model {

// The name "inputs" lists use for the network input; no layer may have it.
inline constexpr const char* kNetworkInput = "@input";

// Parses a network description. Throws std::runtime_error naming `source` and the bad field.
Network network_from_json(const nlohmann::json& j, const std::string& source);
nlohmann::json network_to_json(const Network& net);

Network load_network_json(const std::string& path);
void save_network_json(const Network& net, const std::string& path);  // atomic

// A layer's "window" object, as network descriptions and packed files both write it: kernel,
// stride, pad (top, left, bottom, right) and dilation when not 1.
nlohmann::json window_json(const Window& w);

}  // namespace ccsim::model
