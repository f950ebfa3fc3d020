#include "hw/layer_sequencer.hpp"

#include <stdexcept>

#include "hw/timing.hpp"

namespace ccsim::hw {

LayerSequencer::LayerSequencer(const ArrayConfig& array, const model::PackedNetwork& net, const MemorySystem& memory,
                               std::size_t first, std::size_t last, model::Int8Tensor input, bool first_inference)
    : array_(array), net_(net), memory_(memory), layer_(first), last_(last), input_(std::move(input)),
      first_inference_(first_inference) {
  outputs_.reserve(last - first);
  settle();
}

const model::Int8Tensor& LayerSequencer::layer_input() const { return outputs_.empty() ? input_ : outputs_.back(); }

bool LayerSequencer::step() {
  if (finished()) return false;
  if (engine_) {
    engine_->step();
  } else {
    --countdown_;
  }
  settle();
  return true;
}

void LayerSequencer::settle() {
  while (layer_ != last_) {
    switch (phase_) {
      case Phase::Begin:
        begin_layer();
        break;
      case Phase::Compute:
        if (engine_ ? !engine_->done() : countdown_ > 0) return;
        end_compute();
        break;
      case Phase::MemoryStall:
        if (countdown_ > 0) return;
        stats_.push_back(current_);
        ++layer_;
        phase_ = Phase::Begin;
        break;
    }
  }
}

void LayerSequencer::begin_layer() {
  const model::PackedLayer& l = net_.layers[layer_];
  if (l.kind == model::OpKind::Matmul) {
    const FeederInput in = feeder_input(net_, layer_, outputs_.data(), outputs_.size(), input_);
    if (in.fused_shift && outputs_.empty()) {
      // The feeder needs the shift's input, which only a range starting at the shift has.
      throw std::logic_error("layer range starts between fused shift and Matmul '" + l.name + "'");
    }
    engine_ = std::make_unique<MatmulEngine>(array_, l, in.stored, in.fused_shift);
  } else {
    countdown_ = vector_unit_stats(l, fused_into_next(net_, layer_)).cycles;
  }
  phase_ = Phase::Compute;
}

void LayerSequencer::end_compute() {
  const model::PackedLayer& l = net_.layers[layer_];
  if (engine_) {
    current_ = engine_->stats();
    outputs_.push_back(engine_->output());
    engine_.reset();
  } else {
    // Vector unit (transaction level): its output exists once its cycles have passed. A fused
    // shift's output is only the feeder's addressing, kept for layer-by-layer checks.
    current_ = vector_unit_stats(l, fused_into_next(net_, layer_));
    outputs_.push_back(model::run_layer(l, layer_input()));
  }
  const std::int64_t before = current_.cycles;
  memory_.account(layer_, first_inference_, current_);
  countdown_ = current_.cycles - before;
  phase_ = Phase::MemoryStall;
}

}  // namespace ccsim::hw
