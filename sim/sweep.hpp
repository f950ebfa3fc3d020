// A sweep: SWEEP.json read and checked, every value before any point is evaluated (no libtorch
// and no simulation here, so the reader can be fuzzed alone).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hw/accelerator_config.hpp"
#include "sim/hardware_options.hpp"
#include "hw/area_model.hpp"
#include "hw/energy_model.hpp"
#include "models/network.hpp"

namespace ccsim::cli {

// One point of a sweep: the packing it takes (network, scheme and its parameters) and the
// hardware it runs on (HardwareOptions: every hardware axis; weight_banks stays 0).
struct SweepPoint : HardwareOptions {
  // The point's ID: 16 hex digits of the XXH3-64 hash of everything its results depend on (the
  // network file's contents, every axis value, the sweep-wide settings), so it is the same on every
  // machine, in every shard and after the sweep's axes grow: merging and resuming go by it.
  std::string id;
  std::uint64_t key = 0;  // the same 64 bits as a number: shard K of N runs the points with key % N == K
  std::string network;
  std::string scheme;
  double density = 0.25;
  int alpha = 8;
  double gamma = 1.75;
  int activation_bits = 8;  // the packing's widths (pack --activation-bits / --weight-bits)
  int weight_bits = 8;
  double clock_mhz = 500;
};

struct Sweep {
  std::string file;
  std::vector<SweepPoint> points;  // the Cartesian product, in axis order
  std::string calibration_dataset;
  int calibration_count = 64;
  // calibration.preprocess: how data-set pixels become every network's input, for networks that do
  // not carry it (ONNX); replaces a network's own when given.
  std::optional<model::Preprocess> preprocess;
  nlohmann::json scheme_params;  // m, patterns, period, block, restricted
  // accuracy.images: each packing's int8 golden top-1 accuracy on the first N test images of the
  // calibration data set (the `accuracy` column; 0: not measured, the column empty).
  int accuracy_images = 0;
  // accuracy.target: the top-1 accuracy schemes are compared at. explore (and merge --sweep) then
  // also writes RESULTS.at-accuracy.csv: of the points that differ only in density, the one of
  // lowest density reaching it (rows_at_accuracy). Not part of any point's results or ID.
  std::optional<double> accuracy_target;
  hw::EnergyTable energy;
  hw::AreaTable area;
};

// The most points one sweep file may describe (a point's row is ~400 bytes; split larger sweeps
// into several files, or shards).
constexpr std::uint64_t kMaxSweepPoints = 1000000;

// Reads and validates SWEEP.json (unknown keys, empty axes, bad values: std::invalid_argument
// naming the file and key). Relative paths are relative to the sweep file.
Sweep load_sweep(const std::string& path);

// The accelerator a point describes, with multiplexers for `alpha_max` input channels. Throws
// std::invalid_argument if the configuration is not one the model accepts.
hw::AcceleratorConfig config_of(const SweepPoint& p, int alpha_max);

// A point ID's 64 bits; std::invalid_argument unless `id` is 16 lowercase hex digits.
std::uint64_t point_key(const std::string& id);

// A number as the results file writes it (10 significant digits).
std::string format_number(double v);

}  // namespace ccsim::cli
