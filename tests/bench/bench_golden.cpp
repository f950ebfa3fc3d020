// Golden Matmul speed on one core: the vectorized row-by-row form (models/golden.cpp) against the
// per-pixel scalar gather loop it replaced (kept here as the baseline), on the dense 256 x 256 x 196
// GEMM, a 3x3 conv 64 -> 64 on 56 x 56 (SCALE-Sim's third layer) and an alpha-8 combined pointwise
// layer. Prints MAC/s and the ratio measured in this run; exits 1 if the values differ.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>

#include "models/golden.hpp"
#include "tests/bench/workloads.hpp"

namespace {

using namespace ccsim;

// The golden Matmul before 2026-12-02: for each output pixel, gather the columns the groups read,
// then one scalar multiply-accumulate per cell.
model::Int8Tensor scalar_matmul(const model::PackedLayer& l, const model::Int8Tensor& in) {
  model::Int8Tensor out{l.out, std::vector<std::int8_t>(static_cast<std::size_t>(l.out.size()))};
  std::vector<std::int8_t> column_input(static_cast<std::size_t>(l.cols()));
  const int k = l.window.kh * l.window.kw;
  for (int oy = 0; oy < l.out.h; ++oy) {
    for (int ox = 0; ox < l.out.w; ++ox) {
      for (const auto& g : l.groups) {
        for (const auto col : g) {
          const int c = static_cast<int>(col) / k, t = static_cast<int>(col) % k;
          const int y = oy * l.window.stride_h - l.window.pad_top + t / l.window.kw;
          const int x = ox * l.window.stride_w - l.window.pad_left + t % l.window.kw;
          column_input[col] = (y < 0 || y >= l.in.h || x < 0 || x >= l.in.w)
                                  ? 0
                                  : in.data[(static_cast<std::size_t>(c) * l.in.h + y) * l.in.w + x];
        }
      }
      for (int r = 0; r < l.rows(); ++r) {
        fixed::Acc acc = l.bias[r];
        for (int g = 0; g < l.packed_cols(); ++g) {
          const std::size_t cell = l.cell(r, g);
          acc = fixed::mac(acc, l.weights[cell], column_input[l.groups[g][l.select[cell]]]);
        }
        out.data[(static_cast<std::size_t>(r) * l.out.h + oy) * l.out.w + ox] =
            fixed::requantize(acc, l.requant[r], l.act_min, l.act_max);
      }
    }
  }
  return out;
}

// A Matmul layer of `rows` filters over `channels` x k x k columns on an h x w input (same padding),
// combined `alpha` columns per group with random selects.
model::PackedLayer layer(int rows, int channels, int k, int h, int w, int alpha) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> v(-127, 127);
  model::PackedLayer l;
  l.name = "bench";
  l.kind = model::OpKind::Matmul;
  l.window.kh = l.window.kw = k;
  l.window.pad_top = l.window.pad_left = l.window.pad_bottom = l.window.pad_right = k / 2;
  l.in = {channels, h, w};
  l.out = {rows, h, w};
  l.alpha = alpha;
  for (std::uint32_t c = 0; c < static_cast<std::uint32_t>(l.cols()); c += alpha) {
    std::vector<std::uint32_t> g;
    for (std::uint32_t j = c; j < std::min<std::uint32_t>(c + alpha, l.cols()); ++j) g.push_back(j);
    l.groups.push_back(g);
  }
  for (int r = 0; r < rows; ++r) {
    for (const auto& g : l.groups) {
      l.weights.push_back(static_cast<std::int8_t>(v(rng) | 1));
      l.select.push_back(static_cast<std::uint8_t>(rng() % g.size()));
    }
  }
  l.bias.assign(static_cast<std::size_t>(rows), 0);
  l.requant.assign(static_cast<std::size_t>(rows), fixed::quantize_multiplier(1.0 / 4096));
  return l;
}

double best_seconds(const std::function<void()>& f) {
  double best = 1e30;
  for (int i = 0; i < 3; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

}  // namespace

int main() {
  struct Workload {
    const char* name;
    model::PackedLayer l;
  };
  const Workload workloads[] = {{"dense GEMM 256x256x196", bench::dense_gemm().layers.front()},
                                {"conv 3x3 64->64 56x56", layer(64, 64, 3, 56, 56, 1)},
                                {"pointwise 256->256 14x14, alpha 8", layer(256, 256, 1, 14, 14, 8)}};
  int status = 0;
  std::printf("golden Matmul kernels: %s (one core)\n", model::golden_kernel_isa());
  for (const auto& w : workloads) {
    const auto x = bench::random_inputs(w.l.in, 1).front();
    const double macs = static_cast<double>(w.l.rows()) * w.l.packed_cols() * w.l.out.h * w.l.out.w;
    model::Int8Tensor fast, slow;
    const double t_new = best_seconds([&] { fast = model::run_layer(w.l, x); });
    const double t_old = best_seconds([&] { slow = scalar_matmul(w.l, x); });
    const bool same = fast.data == slow.data;
    std::printf("%-36s scalar %7.2f G MAC/s  vectorized %7.2f G MAC/s  ratio %5.1fx  %s\n", w.name, macs / t_old / 1e9,
                macs / t_new / 1e9, t_old / t_new, same ? "bit-exact" : "VALUES DIFFER");
    if (!same) status = 1;
  }
  return status;
}
