// The pipelined schedule (the paper's cross-layer pipelining): one array per Matmul layer, the
// stages connected by one-slot activation buffers, consecutive inputs overlapping. Stage s runs
// [fused shift] Matmul [vector-unit layers...]; layers before the first Matmul join stage 0.
// PipelineControl holds the hand-off rules; the cycle-accurate mode applies them every clock and
// the fast mode at event times, with the same results.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "hw/array_config.hpp"
#include "models/packed_network.hpp"

namespace ccsim::hw {

struct StageRange {
  std::size_t first = 0;  // layers [first, last)
  std::size_t last = 0;
};

// Throws std::invalid_argument for a network without a Matmul layer.
std::vector<StageRange> pipeline_stages(const model::PackedNetwork& net);

// Cycles between consecutive outputs in steady state, from one warm inference's per-layer stats
// (weights already resident): its total on the shared array; the slowest stage when pipelined
// (equal work per input gives makespan = latency + (N - 1) x slowest stage). The gap between the
// first two outputs is not it: inputs queued behind a cold first inference leave close together.
std::int64_t steady_state_interval(const model::PackedNetwork& net, const std::vector<LayerStats>& warm_layers, bool pipelined);

class PipelineControl {
 public:
  PipelineControl(std::size_t stages, std::size_t inputs);

  using Pass = std::function<void(std::size_t stage)>;                       // stage's result moves on
  using Start = std::function<void(std::size_t stage, std::size_t input)>;  // stage starts an input
  // At the start of cycle `now`, until nothing changes: a stage holding a result passes it to the
  // next stage's slot if that is empty (the last stage to the output, always free), and an idle
  // stage takes the input from its slot (stage 0: the next network input).
  void handoff(std::int64_t now, const Pass& pass, const Start& start);
  // The busy stage has finished its input and holds the result.
  void finish(std::size_t stage);

  bool busy(std::size_t stage) const { return state_[stage] == State::Busy; }
  bool done() const { return completed_ == inputs_; }
  std::int64_t start_cycle(std::size_t input) const { return start_[input]; }  // stage 0 took it
  std::int64_t end_cycle(std::size_t input) const { return end_[input]; }      // left the last stage

 private:
  enum class State { Idle, Busy, Holding };
  std::size_t inputs_;
  std::vector<State> state_;
  std::vector<std::size_t> current_;               // input held by each stage
  std::vector<std::optional<std::size_t>> slot_;   // slot_[s]: waiting in front of stage s (s >= 1)
  std::size_t next_input_ = 0;
  std::size_t completed_ = 0;
  std::vector<std::int64_t> start_;
  std::vector<std::int64_t> end_;
};

// Fast mode: start and end cycles per input, given each input's cycles in each stage
// (stage_cycles[input][stage], all >= 1).
std::vector<std::pair<std::int64_t, std::int64_t>> schedule_pipeline(
    const std::vector<std::vector<std::int64_t>>& stage_cycles);

}  // namespace ccsim::hw
