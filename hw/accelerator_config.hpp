// Everything that configures one accelerator instance: the array, its buffers, the DRAM it
// streams from, and the layer schedule (one shared array, or one array per layer pipelined).
#pragma once

#include <nlohmann/json.hpp>

#include "hw/activation_buffer.hpp"
#include "hw/array_config.hpp"
#include "hw/array_implementation.hpp"
#include "hw/feeder_implementation.hpp"
#include "hw/output_implementation.hpp"
#include "hw/tile_implementation.hpp"
#include "hw/vector_implementation.hpp"
#include "hw/weight_buffer.hpp"
#include "models/packed_network.hpp"

namespace ccsim::hw {

enum class Schedule {
  SharedArray,  // every layer runs on the one array, one after another
  Pipelined,    // one array per Matmul layer; consecutive inputs overlap across layers
};

struct AcceleratorConfig {
  ArrayConfig array;
  WeightBufferConfig weight_buffer;
  ActivationBufferConfig activation_buffer;
  DramConfig dram;
  Schedule schedule = Schedule::SharedArray;
  // Cycle mode and TLM: another implementation of every core's array cells, run in lockstep with
  // the C++ cells and compared every cycle (empty: the C++ cells alone). Not part of to_json.
  ArrayImplementationFactory array_implementation;
  // Cycle mode and TLM: another implementation of every core's vector unit, run for every layer
  // that moves data and compared with the unit's model (empty: the model alone). Not part of to_json.
  VectorImplementationFactory vector_implementation;
  // Cycle mode and TLM: another implementation of every core's feeder bit lines, compared with
  // the feeder unit's every cycle (the arrays then step every cycle). Not part of to_json.
  FeederImplementationFactory feeder_implementation;
  // Cycle mode and TLM: another implementation of every core's output-stage requantization,
  // compared value by value. Not part of to_json.
  OutputImplementationFactory output_implementation;
  // Cycle mode and TLM: another implementation of every core's Matmul datapath (buffers, feeder,
  // array, output stage and their DMAs, with its own controller), run for every Matmul layer in
  // place of those units and compared with the SystemC model every cycle. Not part of to_json.
  TileImplementationFactory tile_implementation;
  // Cycle mode and TLM: step every array cycle by cycle even when nothing observes the cells (a
  // waveform or a swapped-in implementation does so anyway); otherwise each tile is evaluated in
  // the skewed frame (ArrayUnit::observe_every_cycle). Same results; for checking and measuring
  // the skewed evaluation. Not part of to_json.
  bool array_every_cycle = false;

  AcceleratorConfig() = default;
  // An array with default memories and the shared schedule.
  AcceleratorConfig(const ArrayConfig& a) : array(a) {}  // NOLINT(google-explicit-constructor)

  // Throws std::invalid_argument naming the inconsistent setting.
  void validate() const;
  // validate(), and that `net` fits this datapath: its activations no wider than data_bits (a
  // bit-serial cell's cycles per MAC, a bit-parallel cell's multiplier input; weights of any
  // width up to 8 fit the weight buffer's 8-bit cells). Throws std::invalid_argument saying how to fix it.
  void validate_for(const model::PackedNetwork& net) const;
  // The array with the weight-load time the weight buffer's geometry gives.
  ArrayConfig resolved_array() const;
  nlohmann::json to_json() const;
};

// Parses "shared" or "pipelined".
Schedule parse_schedule(const std::string& text);
std::string to_string(Schedule s);

}  // namespace ccsim::hw
