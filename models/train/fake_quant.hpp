// Fake quantization for quantization-aware training: float tensors rounded to the int8 grid the
// packed network uses (symmetric, zero point 0, round half away from zero as fixed::quantize_value),
// with straight-through gradients (Bengio et al. 2013; Jacob et al., CVPR 2018) so training sees
// the rounding error but can still move the float values underneath.
#pragma once

#include <torch/torch.h>

namespace ccsim::model {

// Rounds to the nearest integer, ties away from zero (std::round), without a gradient.
torch::Tensor round_half_away(const torch::Tensor& x);

// x clamped to [lo * scale, hi * scale] and rounded to multiples of scale. The gradient is 1
// inside the range and 0 where the clamp saturates (the clamp's own gradient).
torch::Tensor fake_quant(const torch::Tensor& x, double scale, int lo, int hi);

// Per output row (dim 0) symmetric `bits`-bit weights as `ccsim pack` quantizes them: each row's
// scale is its max |w| / (2^(bits-1) - 1) (1 for an all-zero row), so nothing saturates.
// Gradient straight through; the scales are treated as constants.
torch::Tensor fake_quant_rows(const torch::Tensor& w, int bits = 8);

// A masked weight tensor as a ternary layer trains it (`ccsim train --scheme ternary`): the signs
// of the kept weights times one scale for the layer, the mean magnitude of the kept weights (the
// L2-optimal step for those signs, as models/sparsity_formats.cpp ternarizes); gradient straight
// through to the masked weights (the forward value is exactly the ternary one).
torch::Tensor ternary_straight_through(const torch::Tensor& masked);

}  // namespace ccsim::model
