// Loading inputs for the subcommands: networks by file type, input tensors, data-set batches.
#pragma once

#include <string>
#include <vector>

#include "models/network.hpp"
#include "models/onnx_tensor.hpp"

namespace ccsim::cli {

// .onnx -> ONNX import, .json -> ccsim network description; anything else is an error.
model::Network load_model(const std::string& path);

bool is_packed_file(const std::string& path);  // by its magic bytes

// Stacks tensors of one sample each (C x H x W or 1 x C x H x W) or batches into one batch.
model::FloatTensor stack_inputs(const std::vector<std::string>& paths, const model::Shape& input);

}  // namespace ccsim::cli
