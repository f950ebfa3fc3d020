// Loading inputs for the subcommands: networks by file type, input tensors, data-set batches.
#pragma once

#include <string>
#include <vector>

#include "models/golden.hpp"
#include "models/network.hpp"
#include "models/packed_network.hpp"
#include "models/onnx_tensor.hpp"

namespace ccsim::cli {

// .onnx -> ONNX import, .json -> ccsim network description; anything else is an error.
model::Network load_model(const std::string& path);

bool is_packed_file(const std::string& path);  // by its magic bytes

// Stacks tensors of one sample each (C x H x W or 1 x C x H x W) or batches into one batch.
model::FloatTensor stack_inputs(const std::vector<std::string>& paths, const model::Shape& input);

// The int8 inputs of a packed network: from tensor files, or `count` test images of an IDX data
// set starting at image `first` (their labels into `labels`). Exactly one source must be given.
std::vector<model::Int8Tensor> load_int8_inputs(const model::PackedNetwork& net, const std::vector<std::string>& paths,
                                                const std::string& dataset, int count, std::vector<int>* labels,
                                                int first = 0);

}  // namespace ccsim::cli
