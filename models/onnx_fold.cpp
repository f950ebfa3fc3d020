#include "models/onnx_fold.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <stdexcept>

#include <onnx/onnx_pb.h>

namespace ccsim::model {
namespace {

// A constant as the folder computes with it: integers stay int64 (INT64_MAX ends survive), the
// rest double.
struct Constant {
  std::vector<std::int64_t> dims;
  bool integral = false;
  std::vector<std::int64_t> ints;
  std::vector<double> reals;

  std::int64_t size() const { return integral ? static_cast<std::int64_t>(ints.size()) : static_cast<std::int64_t>(reals.size()); }
};

[[noreturn]] void fail(const std::string& where, const std::string& what) { throw std::runtime_error(where + ": " + what); }

template <typename T, typename Repeated>
std::vector<T> values_of(const onnx::TensorProto& t, const Repeated& field, std::int64_t n, const std::string& where) {
  if (t.has_raw_data()) {
    if (t.raw_data().size() != static_cast<std::size_t>(n) * sizeof(T)) fail(where, "raw data does not match the dims");
    std::vector<T> out(static_cast<std::size_t>(n));
    std::memcpy(out.data(), t.raw_data().data(), t.raw_data().size());
    return out;
  }
  if (field.size() != n) fail(where, "data does not match the dims");
  return {field.begin(), field.end()};
}

Constant read(const onnx::TensorProto& t, const std::string& where) {
  Constant c;
  c.dims.assign(t.dims().begin(), t.dims().end());
  std::int64_t n = 1;
  for (const auto d : c.dims) {
    if (d < 0 || d > (std::int64_t{1} << 24)) fail(where, "constant dims out of range");
    n *= d;
    if (n > (std::int64_t{1} << 26)) fail(where, "constant too large to fold");
  }
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT: {
      const auto v = values_of<float>(t, t.float_data(), n, where);
      c.reals.assign(v.begin(), v.end());
      break;
    }
    case onnx::TensorProto::DOUBLE:
      c.reals = values_of<double>(t, t.double_data(), n, where);
      break;
    case onnx::TensorProto::INT64:
      c.integral = true;
      c.ints = values_of<std::int64_t>(t, t.int64_data(), n, where);
      break;
    case onnx::TensorProto::INT32: {
      c.integral = true;
      const auto v = values_of<std::int32_t>(t, t.int32_data(), n, where);
      c.ints.assign(v.begin(), v.end());
      break;
    }
    default:
      fail(where, "constant of data type " + std::to_string(t.data_type()) + " (float, double, int32 or int64 expected)");
  }
  return c;
}

onnx::TensorProto write(const Constant& c) {
  onnx::TensorProto t;
  for (const auto d : c.dims) t.add_dims(d);
  if (c.integral) {
    t.set_data_type(onnx::TensorProto::INT64);
    for (const auto v : c.ints) t.add_int64_data(v);
  } else {
    t.set_data_type(onnx::TensorProto::FLOAT);
    for (const auto v : c.reals) t.add_float_data(static_cast<float>(v));
  }
  return t;
}

// The elements of `c` at flat indices `from`, with dims `dims`.
Constant gather(const Constant& c, const std::vector<std::int64_t>& from, std::vector<std::int64_t> dims) {
  Constant out;
  out.dims = std::move(dims);
  out.integral = c.integral;
  for (const auto i : from) {
    if (c.integral) {
      out.ints.push_back(c.ints[static_cast<std::size_t>(i)]);
    } else {
      out.reals.push_back(c.reals[static_cast<std::size_t>(i)]);
    }
  }
  return out;
}

std::vector<std::int64_t> strides_of(const std::vector<std::int64_t>& dims) {
  std::vector<std::int64_t> s(dims.size(), 1);
  for (std::size_t k = dims.size(); k-- > 1;) s[k - 1] = s[k] * dims[k];
  return s;
}

const onnx::AttributeProto* attribute(const onnx::NodeProto& node, const char* name) {
  for (const auto& a : node.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

std::vector<std::int64_t> int_list(const Constant& c, const std::string& where) {
  if (!c.integral) fail(where, "expected an integer tensor");
  return c.ints;
}

std::int64_t normalized_axis(std::int64_t axis, std::size_t rank, const std::string& where) {
  const auto r = static_cast<std::int64_t>(rank);
  if (axis < -r || axis >= r) fail(where, "axis " + std::to_string(axis) + " out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + r : axis;
}

Constant transpose(const Constant& c, std::vector<std::int64_t> perm, const std::string& where) {
  const std::size_t rank = c.dims.size();
  if (perm.empty()) {
    for (std::size_t k = rank; k-- > 0;) perm.push_back(static_cast<std::int64_t>(k));
  }
  std::vector<std::int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::int64_t> identity(rank);
  std::iota(identity.begin(), identity.end(), 0);
  if (sorted != identity) fail(where, "perm is not a permutation of the axes");
  std::vector<std::int64_t> dims(rank);
  for (std::size_t k = 0; k < rank; ++k) dims[k] = c.dims[static_cast<std::size_t>(perm[k])];
  const auto in_strides = strides_of(c.dims);
  std::vector<std::int64_t> from;
  std::vector<std::int64_t> at(rank, 0);
  for (std::int64_t n = 0; n < c.size(); ++n) {
    std::int64_t flat = 0;
    for (std::size_t k = 0; k < rank; ++k) flat += at[k] * in_strides[static_cast<std::size_t>(perm[k])];
    from.push_back(flat);
    for (std::size_t k = rank; k-- > 0;) {
      if (++at[k] < dims[k]) break;
      at[k] = 0;
    }
  }
  return gather(c, from, dims);
}

Constant reshape(Constant c, const std::vector<std::int64_t>& shape, bool allow_zero, const std::string& where) {
  std::vector<std::int64_t> dims;
  int inferred = -1;
  std::int64_t known = 1;
  for (std::size_t k = 0; k < shape.size(); ++k) {
    std::int64_t d = shape[k];
    if (d == 0 && !allow_zero) {
      if (k >= c.dims.size()) fail(where, "shape copies a dimension the input does not have");
      d = c.dims[k];
    }
    if (d == -1) {
      if (inferred >= 0) fail(where, "more than one -1 in the shape");
      inferred = static_cast<int>(k);
      d = 1;
    } else if (d < 0 || d > (std::int64_t{1} << 26)) {
      fail(where, "dimension " + std::to_string(d) + " in the shape out of range");
    }
    dims.push_back(d);
    known *= d;
    if (known > (std::int64_t{1} << 26)) fail(where, "reshape to more elements than the input has");
  }
  if (inferred >= 0) {
    if (known == 0 || c.size() % known != 0) fail(where, "cannot infer the -1 dimension");
    dims[static_cast<std::size_t>(inferred)] = c.size() / known;
    known = c.size();
  }
  if (known != c.size()) fail(where, "reshape changes the number of elements");
  c.dims = dims;
  return c;
}

Constant concat(const std::vector<Constant>& parts, std::int64_t axis_attr, const std::string& where) {
  const Constant& first = parts.at(0);
  const auto axis = static_cast<std::size_t>(normalized_axis(axis_attr, first.dims.size(), where));
  std::vector<std::int64_t> dims = first.dims;
  dims[axis] = 0;
  for (const Constant& p : parts) {
    if (p.dims.size() != first.dims.size() || p.integral != first.integral) fail(where, "inputs differ in rank or type");
    for (std::size_t k = 0; k < dims.size(); ++k) {
      if (k != axis && p.dims[k] != first.dims[k]) fail(where, "inputs differ outside the axis");
    }
    dims[axis] += p.dims[axis];
  }
  std::int64_t outer = 1;
  for (std::size_t k = 0; k < axis; ++k) outer *= dims[k];
  Constant out;
  out.dims = dims;
  out.integral = first.integral;
  for (std::int64_t o = 0; o < outer; ++o) {
    for (const Constant& p : parts) {
      const std::int64_t chunk = p.size() / std::max<std::int64_t>(outer, 1);
      const auto begin = static_cast<std::size_t>(o * chunk);
      if (p.integral) {
        out.ints.insert(out.ints.end(), p.ints.begin() + begin, p.ints.begin() + begin + chunk);
      } else {
        out.reals.insert(out.reals.end(), p.reals.begin() + begin, p.reals.begin() + begin + chunk);
      }
    }
  }
  return out;
}

// ONNX Slice: per axis, start/end clamped to the dimension (ends beyond it, e.g. INT64_MAX, and
// negative ones counted from the end), any non-zero step.
Constant slice(const Constant& c, const std::vector<std::int64_t>& starts, const std::vector<std::int64_t>& ends,
               std::vector<std::int64_t> axes, std::vector<std::int64_t> steps, const std::string& where) {
  const std::size_t rank = c.dims.size();
  if (axes.empty()) {
    for (std::size_t k = 0; k < starts.size(); ++k) axes.push_back(static_cast<std::int64_t>(k));
  }
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size()) {
    fail(where, "starts, ends, axes and steps differ in length");
  }
  std::vector<std::int64_t> first(rank, 0), step(rank, 1), count(c.dims);
  for (std::size_t k = 0; k < starts.size(); ++k) {
    const auto a = static_cast<std::size_t>(normalized_axis(axes[k], rank, where));
    const std::int64_t dim = c.dims[a];
    // A step beyond the dimension takes one element either way; clamping keeps the arithmetic in range.
    const std::int64_t s = std::clamp<std::int64_t>(steps[k], -std::max<std::int64_t>(dim, 1), std::max<std::int64_t>(dim, 1));
    if (s == 0) fail(where, "step 0");
    const auto clamp_index = [dim, s](std::int64_t v) {
      if (v < 0) v = v < -dim ? -1 : v + dim;  // -1 marks "before the start" for negative steps
      return s > 0 ? std::clamp<std::int64_t>(v, 0, dim) : std::clamp<std::int64_t>(v, -1, dim - 1);
    };
    const std::int64_t b = s > 0 ? clamp_index(starts[k]) : std::max<std::int64_t>(0, clamp_index(starts[k]));
    const std::int64_t e = clamp_index(ends[k]);
    first[a] = b;
    step[a] = s;
    count[a] = dim == 0 ? 0
               : s > 0  ? std::max<std::int64_t>(0, (e - b + s - 1) / s)
                        : std::max<std::int64_t>(0, (b - e + (-s) - 1) / (-s));
  }
  const auto in_strides = strides_of(c.dims);
  std::int64_t total = 1;
  for (const auto n : count) total *= n;
  std::vector<std::int64_t> from;
  std::vector<std::int64_t> at(rank, 0);
  for (std::int64_t n = 0; n < total; ++n) {
    std::int64_t flat = 0;
    for (std::size_t k = 0; k < rank; ++k) flat += (first[k] + at[k] * step[k]) * in_strides[k];
    from.push_back(flat);
    for (std::size_t k = rank; k-- > 0;) {
      if (++at[k] < count[k]) break;
      at[k] = 0;
    }
  }
  return gather(c, from, count);
}

Constant cast(Constant c, std::int64_t to, const std::string& where) {
  const bool to_int = to == onnx::TensorProto::INT64 || to == onnx::TensorProto::INT32;
  const bool to_real = to == onnx::TensorProto::FLOAT || to == onnx::TensorProto::DOUBLE;
  if (!to_int && !to_real) fail(where, "Cast to data type " + std::to_string(to) + " is not folded");
  if (to_int && !c.integral) {
    for (const double v : c.reals) {
      if (!std::isfinite(v) || std::fabs(v) > 9.0e18) fail(where, "Cast of a value outside int64");
      c.ints.push_back(static_cast<std::int64_t>(v));  // ONNX: toward zero
    }
    c.reals.clear();
  } else if (to_real && c.integral) {
    for (const auto v : c.ints) c.reals.push_back(static_cast<double>(v));
    c.ints.clear();
  }
  c.integral = to_int;
  return c;
}

}  // namespace

onnx::TensorProto fold_constant_node(const onnx::NodeProto& node, const std::vector<const onnx::TensorProto*>& inputs,
                                     const std::string& where) {
  const std::string& op = node.op_type();
  std::vector<Constant> in;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    in.push_back(inputs[k] ? read(*inputs[k], where + " input " + std::to_string(k)) : Constant{});
  }
  const auto required = [&](std::size_t k) -> const Constant& {
    if (k >= inputs.size() || !inputs[k]) fail(where, "missing input " + std::to_string(k));
    return in[k];
  };
  const auto optional_ints = [&](std::size_t k) {
    return k < inputs.size() && inputs[k] ? int_list(in[k], where) : std::vector<std::int64_t>{};
  };
  const auto ints_attr = [&](const char* name) {
    const auto* a = attribute(node, name);
    return a ? std::vector<std::int64_t>(a->ints().begin(), a->ints().end()) : std::vector<std::int64_t>{};
  };
  const auto int_attr = [&](const char* name, std::int64_t fallback) {
    const auto* a = attribute(node, name);
    return a ? a->i() : fallback;
  };
  Constant out;
  if (op == "Identity") {
    out = required(0);
  } else if (op == "Cast") {
    out = cast(required(0), int_attr("to", 0), where);
  } else if (op == "Reshape") {
    out = reshape(required(0), int_list(required(1), where), int_attr("allowzero", 0) != 0, where);
  } else if (op == "Concat") {
    for (std::size_t k = 0; k < inputs.size(); ++k) required(k);
    out = concat(in, int_attr("axis", 0), where);
  } else if (op == "Slice") {
    out = slice(required(0), int_list(required(1), where), int_list(required(2), where), optional_ints(3), optional_ints(4), where);
  } else if (op == "Transpose") {
    out = transpose(required(0), ints_attr("perm"), where);
  } else if (op == "ConstantOfShape") {
    const auto dims = int_list(required(0), where);
    Constant value;
    value.reals = {0.0};
    if (const auto* a = attribute(node, "value"); a && a->has_t()) value = read(a->t(), where + " value");
    if (value.size() != 1) fail(where, "value must hold one element");
    std::int64_t n = 1;
    for (const auto d : dims) {
      if (d < 0 || d > (std::int64_t{1} << 24)) fail(where, "shape out of range");
      n *= d;
      if (n > (std::int64_t{1} << 26)) fail(where, "constant too large to fold");
    }
    out.dims = dims;
    out.integral = value.integral;
    if (value.integral) {
      out.ints.assign(static_cast<std::size_t>(n), value.ints[0]);
    } else {
      out.reals.assign(static_cast<std::size_t>(n), value.reals[0]);
    }
  } else if (op == "Squeeze" || op == "Unsqueeze") {
    std::vector<std::int64_t> axes = inputs.size() > 1 ? optional_ints(1) : ints_attr("axes");
    out = required(0);
    std::vector<std::int64_t> dims = out.dims;
    if (op == "Squeeze") {
      std::vector<bool> drop(dims.size(), axes.empty());
      for (const auto a : axes) drop[static_cast<std::size_t>(normalized_axis(a, dims.size(), where))] = true;
      std::vector<std::int64_t> kept;
      for (std::size_t k = 0; k < dims.size(); ++k) {
        if (drop[k] && dims[k] != 1 && !axes.empty()) fail(where, "squeezes an axis that is not 1");
        if (!(drop[k] && dims[k] == 1)) kept.push_back(dims[k]);
      }
      out.dims = kept;
    } else {
      const std::size_t rank = dims.size() + axes.size();
      std::vector<bool> inserted(rank, false);
      for (const auto a : axes) {
        const auto k = static_cast<std::size_t>(normalized_axis(a, rank, where));
        if (inserted[k]) fail(where, "an axis appears twice");
        inserted[k] = true;
      }
      std::vector<std::int64_t> grown;
      std::size_t next = 0;
      for (std::size_t k = 0; k < rank; ++k) grown.push_back(inserted[k] ? 1 : dims.at(next++));
      out.dims = grown;
    }
  } else {
    fail(where, op + " on constant inputs cannot be folded (Identity, Cast, Reshape, Concat, Slice, Transpose, "
                     "ConstantOfShape, Squeeze and Unsqueeze can)");
  }
  return write(out);
}

}  // namespace ccsim::model
