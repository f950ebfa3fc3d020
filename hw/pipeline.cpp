#include "hw/pipeline.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "hw/memory_system.hpp"

namespace ccsim::hw {

std::vector<StageRange> pipeline_stages(const model::PackedNetwork& net) {
  std::vector<StageRange> stages;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    if (net.layers[i].kind != model::OpKind::Matmul) continue;
    std::size_t first = i > 0 && fused_into_next(net, i - 1) ? i - 1 : i;
    if (stages.empty()) {
      first = 0;
    } else {
      stages.back().last = first;
    }
    stages.push_back({first, net.layers.size()});
  }
  if (stages.empty()) throw std::invalid_argument("network '" + net.name + "' has no Matmul layer to pipeline");
  return stages;
}

std::int64_t steady_state_interval(const model::PackedNetwork& net, const std::vector<LayerStats>& warm_layers, bool pipelined) {
  if (warm_layers.size() != net.layers.size()) throw std::invalid_argument("steady_state_interval: one LayerStats per layer expected");
  std::int64_t total = 0;
  for (const auto& l : warm_layers) total += l.cycles;
  if (!pipelined) return total;
  std::int64_t slowest = 0;
  for (const auto& st : pipeline_stages(net)) {
    std::int64_t stage = 0;
    for (std::size_t i = st.first; i < st.last; ++i) stage += warm_layers[i].cycles;
    slowest = std::max(slowest, stage);
  }
  return slowest;
}

PipelineControl::PipelineControl(std::size_t stages, std::size_t inputs)
    : inputs_(inputs), state_(stages, State::Idle), current_(stages, 0), slot_(stages), start_(inputs, 0),
      end_(inputs, 0) {}

void PipelineControl::handoff(std::int64_t now, const Pass& pass, const Start& start) {
  const std::size_t S = state_.size();
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t k = S; k-- > 0;) {
      if (state_[k] == State::Holding) {
        if (k + 1 == S) {
          end_[current_[k]] = now;
          ++completed_;
          pass(k);
          state_[k] = State::Idle;
          changed = true;
        } else if (!slot_[k + 1]) {
          slot_[k + 1] = current_[k];
          pass(k);
          state_[k] = State::Idle;
          changed = true;
        }
      }
      if (state_[k] != State::Idle) continue;
      if (k == 0) {
        if (next_input_ == inputs_) continue;
        current_[0] = next_input_++;
        start_[current_[0]] = now;
      } else {
        if (!slot_[k]) continue;
        current_[k] = *slot_[k];
        slot_[k].reset();
      }
      state_[k] = State::Busy;
      start(k, current_[k]);
      changed = true;
    }
  }
}

void PipelineControl::finish(std::size_t stage) {
  if (state_[stage] != State::Busy) throw std::logic_error("pipeline stage finished while not busy");
  state_[stage] = State::Holding;
}

std::vector<std::pair<std::int64_t, std::int64_t>> schedule_pipeline(
    const std::vector<std::vector<std::int64_t>>& stage_cycles) {
  const std::size_t N = stage_cycles.size();
  const std::size_t S = N ? stage_cycles.front().size() : 0;
  PipelineControl control(S, N);
  std::vector<std::int64_t> remaining(S, 0);
  std::int64_t now = 0;
  while (!control.done()) {
    control.handoff(
        now, [](std::size_t) {},
        [&](std::size_t s, std::size_t i) {
          if (stage_cycles[i].size() != S || stage_cycles[i][s] < 1) {
            throw std::invalid_argument("every stage of every input needs >= 1 cycle");
          }
          remaining[s] = stage_cycles[i][s];
        });
    if (control.done()) break;
    std::int64_t step = std::numeric_limits<std::int64_t>::max();
    for (std::size_t s = 0; s < S; ++s) {
      if (control.busy(s)) step = std::min(step, remaining[s]);
    }
    if (step == std::numeric_limits<std::int64_t>::max()) throw std::logic_error("pipeline stuck");
    now += step;
    for (std::size_t s = 0; s < S; ++s) {
      if (!control.busy(s)) continue;
      remaining[s] -= step;
      if (remaining[s] == 0) control.finish(s);
    }
  }
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  for (std::size_t i = 0; i < N; ++i) out.emplace_back(control.start_cycle(i), control.end_cycle(i));
  return out;
}

}  // namespace ccsim::hw
