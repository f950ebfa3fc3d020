// Layer graphs: which outputs a layer reads, how often each output is read, and renumbering the
// inputs when passes merge or drop layers. Shared by the layer IR (Layer) and the packed network
// (PackedLayer): both keep their layers in topological order with
//   std::vector<int> inputs;  // indices of earlier layers, -1 = the network input;
//                             // empty = the layer right before (a chain; the first layer: the input)
// The network's output is the last layer's output.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace ccsim::model {

// The layers whose outputs layer i reads, in operand order (-1: the network input).
template <class L>
std::vector<int> input_indices(const std::vector<L>& layers, std::size_t i) {
  if (!layers[i].inputs.empty()) return layers[i].inputs;
  return {static_cast<int>(i) - 1};
}

// Whether every layer reads exactly the output right before it (the networks of the first wave).
template <class L>
bool is_chain(const std::vector<L>& layers) {
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const std::vector<int>& in = layers[i].inputs;
    if (!in.empty() && (in.size() != 1 || in[0] != static_cast<int>(i) - 1)) return false;
  }
  return true;
}

// How many operands read each layer's output; the last layer's output also counts once as the
// network's output.
template <class L>
std::vector<int> reader_counts(const std::vector<L>& layers) {
  std::vector<int> readers(layers.size(), 0);
  for (std::size_t i = 0; i < layers.size(); ++i) {
    for (const int p : input_indices(layers, i)) {
      if (p >= 0) readers[static_cast<std::size_t>(p)] += 1;
    }
  }
  if (!layers.empty()) readers.back() += 1;
  return readers;
}

// The first layer whose output nothing reads (the last layer's is the network output), or -1: a
// dead branch, which no hardware schedule could place.
template <class L>
int first_unread_layer(const std::vector<L>& layers) {
  const std::vector<int> readers = reader_counts(layers);
  for (std::size_t i = 0; i < layers.size(); ++i) {
    if (readers[i] == 0) return static_cast<int>(i);
  }
  return -1;
}

// Whether layer i+1 is the only reader of layer i's output and reads it as its only operand: the
// condition for fusing the two (a ReLU into the Matmul before it, a shift into the Matmul after it).
template <class L>
bool only_read_by_next(const std::vector<L>& layers, const std::vector<int>& readers, std::size_t i) {
  if (i + 1 >= layers.size() || readers[i] != 1) return false;
  const std::vector<int> next = input_indices(layers, i + 1);
  return next.size() == 1 && next[0] == static_cast<int>(i);
}

// Checks that every input index points to an earlier layer (or -1), then calls
// arity_ok(layer, operand count), which throws when the layer's kind takes another number.
template <class L, class Arity>
void validate_inputs(const std::vector<L>& layers, Arity arity_ok) {
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const std::vector<int> in = input_indices(layers, i);
    for (const int p : in) {
      if (p < -1 || p >= static_cast<int>(i)) {
        throw std::invalid_argument("layer '" + layers[i].name + "': input " + std::to_string(p) +
                                    " is not an earlier layer (0.." + std::to_string(static_cast<int>(i) - 1) +
                                    ") or the network input (-1)");
      }
    }
    arity_ok(layers[i], in.size());
  }
}

// Every layer's input_indices, e.g. taken before a pass moves the layers out.
template <class L>
std::vector<std::vector<int>> all_input_indices(const std::vector<L>& layers) {
  std::vector<std::vector<int>> all;
  all.reserve(layers.size());
  for (std::size_t i = 0; i < layers.size(); ++i) all.push_back(input_indices(layers, i));
  return all;
}

// After a pass that merged or dropped layers: `out[j]` came from old layer origin[j] and reads
// what that layer read (old_inputs, all_input_indices of the old layers); new_of_old maps every
// old index to the new layer that now produces its value. Inputs equal to {j - 1} are left empty
// (a chain stays a chain).
template <class New>
void renumber_inputs(std::vector<New>& out, const std::vector<std::vector<int>>& old_inputs,
                     const std::vector<std::size_t>& origin, const std::vector<int>& new_of_old) {
  for (std::size_t j = 0; j < out.size(); ++j) {
    std::vector<int> in;
    for (const int p : old_inputs[origin[j]]) in.push_back(p < 0 ? -1 : new_of_old[static_cast<std::size_t>(p)]);
    const bool chain = in.size() == 1 && in[0] == static_cast<int>(j) - 1;
    out[j].inputs = chain ? std::vector<int>{} : in;
  }
}

}  // namespace ccsim::model
