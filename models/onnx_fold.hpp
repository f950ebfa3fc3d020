// Constant folding of the small shape computations exporters leave in ONNX graphs, e.g. the pads
// PyTorch computes for ZeroPad2d (Constant -> ConstantOfShape -> Concat -> Reshape -> Slice with
// step -1 -> Transpose -> Reshape -> Cast -> Pad) or a Transpose of a weight.
#pragma once

#include <string>
#include <vector>

namespace onnx {
class NodeProto;
class TensorProto;
}  // namespace onnx

namespace ccsim::model {

// Evaluates `node` on constant inputs (an empty optional input is nullptr). Supported: Identity,
// Cast, Reshape, Concat, Slice, Transpose, ConstantOfShape, Squeeze, Unsqueeze on float, double,
// int32 and int64 tensors. Throws std::runtime_error starting with `where` for anything else.
onnx::TensorProto fold_constant_node(const onnx::NodeProto& node, const std::vector<const onnx::TensorProto*>& inputs,
                                     const std::string& where);

}  // namespace ccsim::model
