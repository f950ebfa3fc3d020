#include "models/train/fake_quant.hpp"

#include "models/fixed_point.hpp"

namespace ccsim::model {

torch::Tensor round_half_away(const torch::Tensor& x) {
  return torch::sign(x) * torch::floor(torch::abs(x) + 0.5);
}

torch::Tensor fake_quant(const torch::Tensor& x, double scale, int lo, int hi) {
  const auto clamped = torch::clamp(x, lo * scale, hi * scale);
  const auto rounded = round_half_away(clamped.detach() / scale) * scale;
  return clamped + (rounded - clamped.detach());
}

torch::Tensor fake_quant_rows(const torch::Tensor& w, int bits) {
  const auto rows = w.detach().reshape({w.size(0), -1});
  auto scale = std::get<0>(rows.abs().max(1)) / static_cast<double>(fixed::max_of_bits(bits));
  scale = torch::where(scale > 0, scale, torch::ones_like(scale));
  std::vector<std::int64_t> shape(static_cast<std::size_t>(w.dim()), 1);
  shape[0] = w.size(0);
  scale = scale.reshape(shape);
  const auto rounded = round_half_away(w.detach() / scale) * scale;
  return w + (rounded - w.detach());
}

torch::Tensor ternary_straight_through(const torch::Tensor& masked) {
  torch::Tensor ternary;
  {
    torch::NoGradGuard no_grad;
    const torch::Tensor magnitude = masked.abs();
    const double kept = (magnitude > 0).sum().item<double>();
    const double scale = kept > 0 ? magnitude.sum().item<double>() / kept : 0.0;
    ternary = torch::sign(masked) * scale;
  }
  return ternary + (masked - masked.detach());
}

}  // namespace ccsim::model
