#include "models/float_reference.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <stdexcept>
#include <unordered_map>

#include <omp.h>
#include <oneapi/dnnl/dnnl.hpp>

namespace ccsim::model {
namespace {

std::atomic<int> float_threads{0};

using dnnl::memory;
using Tag = memory::format_tag;

// A batch of activations, N x C x H x W, dense NCHW.
struct Batch {
  std::int64_t n = 0;
  Shape shape;
  std::vector<float> data;
  float* at(std::int64_t i, int c) { return data.data() + (i * shape.c + c) * std::int64_t{shape.h} * shape.w; }
  const float* at(std::int64_t i, int c) const {
    return data.data() + (i * shape.c + c) * std::int64_t{shape.h} * shape.w;
  }
};

// One CPU engine for the process; oneDNN primitives run on it in a stream of their own per call.
const dnnl::engine& cpu() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

memory::desc nchw(std::int64_t n, const Shape& s) {
  return memory::desc({n, s.c, s.h, s.w}, memory::data_type::f32, Tag::nchw);
}

// oneDNN takes non-const buffers; the primitives below never write their inputs.
memory wrap(const memory::desc& md, const float* data) { return memory(md, cpu(), const_cast<float*>(data)); }

void execute(const dnnl::primitive& p, std::unordered_map<int, memory> args) {
  dnnl::stream stream(cpu());
  p.execute(stream, args);
  stream.wait();
}

memory::dims strides(const Window& w) { return {w.stride_h, w.stride_w}; }
memory::dims pad_low(const Window& w) { return {w.pad_top, w.pad_left}; }
memory::dims pad_high(const Window& w) { return {w.pad_bottom, w.pad_right}; }

Batch conv(const Batch& x, const Layer& layer, const Shape& out) {
  const Window& w = layer.window;
  const int g = layer.groups;
  Batch y{x.n, out, std::vector<float>(static_cast<std::size_t>(x.n * out.size()))};
  const memory::desc weights_md =
      g == 1 ? memory::desc({layer.out_channels, x.shape.c, w.kh, w.kw}, memory::data_type::f32, Tag::oihw)
             : memory::desc({g, layer.out_channels / g, x.shape.c / g, w.kh, w.kw}, memory::data_type::f32,
                            Tag::goihw);
  const memory::desc bias_md = layer.bias.empty()
                                   ? memory::desc()
                                   : memory::desc({layer.out_channels}, memory::data_type::f32, Tag::x);
  const memory::dims dilates{w.dilation_h - 1, w.dilation_w - 1};  // oneDNN counts the gaps
  const dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                           nchw(x.n, x.shape), weights_md, bias_md, nchw(x.n, out), strides(w),
                                           dilates, pad_low(w), pad_high(w));
  const dnnl::convolution_forward::primitive_desc pd(d, cpu());
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, wrap(nchw(x.n, x.shape), x.data.data())},
                                       {DNNL_ARG_WEIGHTS, wrap(weights_md, layer.weight.data())},
                                       {DNNL_ARG_DST, wrap(nchw(x.n, out), y.data.data())}};
  if (!layer.bias.empty()) args.emplace(DNNL_ARG_BIAS, wrap(bias_md, layer.bias.data()));
  execute(dnnl::convolution_forward(pd), std::move(args));
  return y;
}

// y[N x O] = x[N x K] * W^T + b, W stored O x K (row-major), read by oneDNN as K x O ("ba").
Batch linear(const Batch& x, const Layer& layer) {
  const std::int64_t k = x.shape.size();
  const std::int64_t o = layer.out_channels;
  Batch y{x.n, Shape{layer.out_channels, 1, 1}, std::vector<float>(static_cast<std::size_t>(x.n * o))};
  const memory::desc src_md({x.n, k}, memory::data_type::f32, Tag::ab);
  const memory::desc weights_md({k, o}, memory::data_type::f32, Tag::ba);
  const memory::desc dst_md({x.n, o}, memory::data_type::f32, Tag::ab);
  const memory::desc bias_md =
      layer.bias.empty() ? memory::desc() : memory::desc({1, o}, memory::data_type::f32, Tag::ab);
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src_md, weights_md, bias_md, dst_md), cpu());
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, wrap(src_md, x.data.data())},
                                       {DNNL_ARG_WEIGHTS, wrap(weights_md, layer.weight.data())},
                                       {DNNL_ARG_DST, wrap(dst_md, y.data.data())}};
  if (!layer.bias.empty()) args.emplace(DNNL_ARG_BIAS, wrap(bias_md, layer.bias.data()));
  execute(dnnl::matmul(pd), std::move(args));
  return y;
}

// Max pooling ignores padded positions (as -inf padding would); average pooling divides by the
// whole window (count_include_pad) or by the real inputs in it.
Batch pool(const Batch& x, const Layer& layer, const Shape& out) {
  const Window& w = layer.window;
  const dnnl::algorithm algorithm = layer.kind == LayerKind::MaxPool ? dnnl::algorithm::pooling_max
                                    : layer.count_include_pad        ? dnnl::algorithm::pooling_avg_include_padding
                                                                     : dnnl::algorithm::pooling_avg_exclude_padding;
  Batch y{x.n, out, std::vector<float>(static_cast<std::size_t>(x.n * out.size()))};
  const dnnl::pooling_forward::desc d(dnnl::prop_kind::forward_inference, algorithm, nchw(x.n, x.shape),
                                       nchw(x.n, out), strides(w), {w.kh, w.kw}, pad_low(w), pad_high(w));
  const dnnl::pooling_forward::primitive_desc pd(d, cpu());
  execute(dnnl::pooling_forward(pd), {{DNNL_ARG_SRC, wrap(nchw(x.n, x.shape), x.data.data())},
                                      {DNNL_ARG_DST, wrap(nchw(x.n, out), y.data.data())}});
  return y;
}

// Per-channel elementwise maps: batch norm, ReLU, ReLU6.
template <typename PerChannel>
Batch per_channel(Batch x, PerChannel f) {
  const std::int64_t plane = std::int64_t{x.shape.h} * x.shape.w;
  for (std::int64_t i = 0; i < x.n; ++i) {
    for (int c = 0; c < x.shape.c; ++c) {
      float* p = x.at(i, c);
      for (std::int64_t j = 0; j < plane; ++j) p[j] = f(c, p[j]);
    }
  }
  return x;
}

Batch shift(const Batch& x, const Layer& layer) {
  Batch y{x.n, x.shape, std::vector<float>(x.data.size(), 0.0f)};
  const int h = x.shape.h;
  const int w = x.shape.w;
  for (std::int64_t i = 0; i < x.n; ++i) {
    for (int c = 0; c < x.shape.c; ++c) {
      const int dy = layer.shift[c][0];
      const int dx = layer.shift[c][1];
      const float* in = x.at(i, c);
      float* out = y.at(i, c);
      for (int r = std::max(0, -dy); r < std::min(h, h - dy); ++r) {
        for (int q = std::max(0, -dx); q < std::min(w, w - dx); ++q) out[r * w + q] = in[(r + dy) * w + q + dx];
      }
    }
  }
  return y;
}

Batch global_avg_pool(const Batch& x) {
  const std::int64_t plane = std::int64_t{x.shape.h} * x.shape.w;
  Batch y{x.n, Shape{x.shape.c, 1, 1}, std::vector<float>(static_cast<std::size_t>(x.n * x.shape.c))};
  for (std::int64_t i = 0; i < x.n; ++i) {
    for (int c = 0; c < x.shape.c; ++c) {
      const float* p = x.at(i, c);
      double sum = 0.0;
      for (std::int64_t j = 0; j < plane; ++j) sum += p[j];
      y.data[static_cast<std::size_t>(i * x.shape.c + c)] = static_cast<float>(sum / static_cast<double>(plane));
    }
  }
  return y;
}

Batch add(const std::vector<const Batch*>& xs) {
  Batch y = *xs[0];
  for (std::size_t k = 1; k < xs.size(); ++k) {
    const std::vector<float>& b = xs[k]->data;
    for (std::size_t j = 0; j < y.data.size(); ++j) y.data[j] += b[j];
  }
  return y;
}

Batch concat(const std::vector<const Batch*>& xs, const Shape& out) {
  Batch y{xs[0]->n, out, std::vector<float>(static_cast<std::size_t>(xs[0]->n * out.size()))};
  for (std::int64_t i = 0; i < y.n; ++i) {
    int c = 0;
    for (const Batch* x : xs) {
      std::copy(x->at(i, 0), x->at(i, 0) + x->shape.size(), y.at(i, c));
      c += x->shape.c;
    }
  }
  return y;
}

Batch pad(const Batch& x, const Layer& layer, const Shape& out) {
  Batch y{x.n, out, std::vector<float>(static_cast<std::size_t>(x.n * out.size()), 0.0f)};
  for (std::int64_t i = 0; i < x.n; ++i) {
    for (int c = 0; c < x.shape.c; ++c) {
      for (int r = 0; r < x.shape.h; ++r) {
        const float* from = x.at(i, c) + static_cast<std::int64_t>(r) * x.shape.w;
        std::copy(from, from + x.shape.w,
                  y.at(i, c) + static_cast<std::int64_t>(r + layer.window.pad_top) * out.w + layer.window.pad_left);
      }
    }
  }
  return y;
}

Batch run_layer(Batch x, const Layer& layer, const Shape& out) {
  switch (layer.kind) {
    case LayerKind::Conv:
      return conv(x, layer, out);
    case LayerKind::Linear:
      return linear(x, layer);
    case LayerKind::BatchNorm:
      return per_channel(std::move(x), [&layer](int c, float v) {
        const float k = layer.bn_scale[c] / std::sqrt(layer.bn_var[c] + layer.bn_eps);
        return (v - layer.bn_mean[c]) * k + layer.bn_bias[c];
      });
    case LayerKind::ReLU:
      return per_channel(std::move(x), [](int, float v) { return std::max(v, 0.0f); });
    case LayerKind::ReLU6:
      return per_channel(std::move(x), [](int, float v) { return std::clamp(v, 0.0f, 6.0f); });
    case LayerKind::Shift:
      return shift(x, layer);
    case LayerKind::MaxPool:
    case LayerKind::AvgPool:
      return pool(x, layer, out);
    case LayerKind::GlobalAvgPool:
      return global_avg_pool(x);
    case LayerKind::Flatten:
      x.shape = out;
      return x;
    case LayerKind::Pad:
      return pad(x, layer, out);
    case LayerKind::Add:
    case LayerKind::Concat:
      break;  // run_join
  }
  throw std::logic_error("layer kind without a single-input float implementation");
}

Batch run_join(const std::vector<const Batch*>& xs, const Layer& layer, const Shape& out) {
  return layer.kind == LayerKind::Add ? add(xs) : concat(xs, out);
}

float absmax(const std::vector<float>& v) {
  float m = 0.0f;
  for (float x : v) m = std::max(m, std::fabs(x));
  return m;
}

}  // namespace

void set_float_threads(int threads) {
  if (threads < 0) throw std::invalid_argument("float reference threads must be 0 (all) or more");
  float_threads = threads;
}

FloatRun run_float(const Network& net, const FloatTensor& batch) {
  const std::vector<Shape> shapes = output_shapes(net);
  const Shape& in = net.input;
  std::int64_t n = 0;
  if (batch.dims.size() == 4 && batch.dims[1] == in.c && batch.dims[2] == in.h && batch.dims[3] == in.w) {
    n = batch.dims[0];
  } else if (batch.dims.size() == 3 && batch.dims[0] == in.c && batch.dims[1] == in.h && batch.dims[2] == in.w) {
    n = 1;
  } else if (batch.dims.size() == 2 && in.h == 1 && in.w == 1 && batch.dims[1] == in.c) {
    n = batch.dims[0];
  } else {
    std::string dims;
    for (auto d : batch.dims) dims += (dims.empty() ? "" : "x") + std::to_string(d);
    throw std::invalid_argument("input of shape " + dims + " does not match the network input " + to_string(in));
  }
  if (batch.data.size() != static_cast<std::size_t>(n * in.size())) {
    throw std::invalid_argument("input holds " + std::to_string(batch.data.size()) + " values, shape needs " +
                                std::to_string(n * in.size()));
  }
  if (n == 0) throw std::invalid_argument("the input batch is empty");
  if (const int threads = float_threads; threads > 0) omp_set_num_threads(threads);  // this thread's teams
  FloatRun run;
  const Batch input{n, in, batch.data};
  run.input_absmax = absmax(input.data);
  // Each output is kept until its last reader has run (the chain case keeps one at a time).
  std::vector<int> unread = reader_counts(net.layers);
  std::vector<Batch> outputs(net.layers.size());
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const std::vector<int> operands = input_indices(net.layers, i);
    std::vector<const Batch*> xs;
    for (const int p : operands) xs.push_back(p < 0 ? &input : &outputs[static_cast<std::size_t>(p)]);
    const Layer& layer = net.layers[i];
    if (layer.kind == LayerKind::Add || layer.kind == LayerKind::Concat) {
      outputs[i] = run_join(xs, layer, shapes[i]);
    } else if (operands[0] >= 0 && unread[static_cast<std::size_t>(operands[0])] == 1) {
      outputs[i] = run_layer(std::move(outputs[static_cast<std::size_t>(operands[0])]), layer, shapes[i]);
    } else {
      outputs[i] = run_layer(*xs[0], layer, shapes[i]);
    }
    for (const int p : operands) {
      if (p >= 0 && --unread[static_cast<std::size_t>(p)] == 0) outputs[static_cast<std::size_t>(p)] = {};
    }
    run.layer_absmax.push_back(absmax(outputs[i].data));
  }
  const Batch& y = outputs.empty() ? input : outputs.back();
  run.output.dims = {y.n, y.shape.size()};
  run.output.data = y.data;
  return run;
}

}  // namespace ccsim::model
