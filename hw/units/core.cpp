// sc_spawn (the trace sampler exists only when a waveform is asked for).
#define SC_INCLUDE_DYNAMIC_PROCESSES

#include "hw/units/core.hpp"

namespace ccsim::hw {

AcceleratorCore::AcceleratorCore(sc_core::sc_module_name name, const AcceleratorConfig& config, const DmaConfig& dma,
                                 sc_core::sc_time clock_period)
    : sc_core::sc_module(name), clk("clk"), array_config_(config.resolved_array()), period_(clock_period),
      controller_("controller", array_config_, {}, clock_period), weights_("weight_buffer", config.weight_buffer, array_config_),
      activations_("activation_buffer", config.activation_buffer, 1), feeder_("feeder", array_config_, clock_period),
      array_("array", array_config_, clock_period), output_("output_stage", array_config_, clock_period), vector_("vector_unit", clock_period),
      dma_("dma", dma, clock_period) {
  if (config.array_implementation) array_.swap_in(config.array_implementation(array_config_));
  if (config.array_every_cycle) array_.observe_every_cycle();
  if (config.vector_implementation) vector_.swap_in(config.vector_implementation(array_config_));
  if (config.output_implementation) output_.swap_in(config.output_implementation(array_config_));
  if (config.feeder_implementation) {
    feeder_.swap_in(config.feeder_implementation(array_config_));
    array_.observe_every_cycle();  // the lines are compared cycle by cycle, not in the skewed frame
  }
  if (config.tile_implementation) {
    tile_ = config.tile_implementation(array_config_, clk);
    controller_.swap_in_tile(tile_.get(), tile_memory_access());
  }
  controller_.weights(weights_);
  controller_.array(array_);
  controller_.feeder(feeder_);
  controller_.output(output_);
  controller_.vector(vector_);
  controller_.dma(dma_);
  controller_.activations(activations_);
  controller_.results(activations_);
  for (ActivityIf* unit : std::initializer_list<ActivityIf*>{&weights_, &activations_, &feeder_, &array_, &output_,
                                                             &vector_, &dma_}) {
    controller_.counters(*unit);
  }
  weights_.clk(clk);
  weights_.shadow(array_);
  array_.clk(clk);
  array_.feeder(feeder_);
  array_.accumulator(output_);
  feeder_.activations(activations_);
  output_.activations(activations_);
  vector_.clk(clk);
  vector_.input(activations_);
  vector_.output(activations_);
}

TileMemoryAccess AcceleratorCore::tile_memory_access() {
  TileMemoryAccess access;
  // Through the DMA engine's initiator socket (the swapped-in tile's ports stand where the DMA
  // engine's would be, on the same path to memory).
  access.transport = [this](bool write, std::uint64_t address, unsigned char* data, unsigned length,
                            const unsigned char* byte_enable) -> std::int64_t {
    tlm::tlm_generic_payload trans;
    trans.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    trans.set_address(address);
    trans.set_data_ptr(data);
    trans.set_data_length(length);
    trans.set_streaming_width(length);
    trans.set_byte_enable_ptr(const_cast<unsigned char*>(byte_enable));
    trans.set_byte_enable_length(byte_enable ? length : 0);
    trans.set_dmi_allowed(false);
    trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    dma_.socket->b_transport(trans, delay);
    if (trans.get_response_status() != tlm::TLM_OK_RESPONSE) return -1;
    return static_cast<std::int64_t>(delay.value() / sc_core::sc_time(1, sc_core::SC_PS).value());
  };
  access.debug = [this](bool write, std::uint64_t address, unsigned char* data, unsigned length) {
    tlm::tlm_generic_payload trans;
    trans.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    trans.set_address(address);
    trans.set_data_ptr(data);
    trans.set_data_length(length);
    return dma_.socket->transport_dbg(trans) == length;
  };
  return access;
}

void AcceleratorCore::load(const model::PackedNetwork& net, const MemorySystem& memory, const DramLayout& layout,
                           std::size_t first, std::size_t last) {
  controller_.load_program(layer_program(array_config_, net, memory, layout, first, last));
}

void AcceleratorCore::trace(sc_core::sc_trace_file* file, const TraceOptions& options) {
  trace_options_ = options;
  array_.observe_every_cycle();  // the waveform samples the cells' lines and partial sums
  const ArrayConfig& a = array_config_;
  trace_column_lines_.assign(a.cols, 0);
  trace_row_psum_.assign(a.rows, 0);
  sc_core::sc_trace(file, trace_cycle_, "cycle");
  sc_core::sc_trace(file, trace_layer_, "layer");
  sc_core::sc_trace(file, trace_tile_, "tile");
  sc_core::sc_trace(file, trace_tile_cycle_, "tile_cycle");
  sc_core::sc_trace(file, trace_weight_fill_, "weight_buffer_filling");
  sc_core::sc_trace(file, trace_dma_busy_, "dma_busy");
  sc_core::sc_trace(file, trace_array_computing_, "array_computing");
  sc_core::sc_trace(file, trace_vector_busy_, "vector_unit_busy");
  sc_core::sc_trace(file, trace_values_fed_, "feeder_values_fed");
  sc_core::sc_trace(file, trace_acc_writes_, "accumulator_writes");
  sc_core::sc_trace(file, trace_dram_bytes_, "dma_bytes");
  for (int c = 0; c < a.cols; ++c) {
    sc_core::sc_trace(file, trace_column_lines_[c], "col" + std::to_string(c) + "_lines", a.alpha_max);
  }
  for (int r = 0; r < a.rows; ++r) sc_core::sc_trace(file, trace_row_psum_[r], "row" + std::to_string(r) + "_psum_out");
  // Sampled on the falling edge, when every unit has finished the cycle's rising edge.
  sc_core::sc_spawn_options sampling;
  sampling.spawn_method();
  sampling.set_sensitivity(&clk.neg());
  sampling.dont_initialize();
  sc_core::sc_spawn([this] { sample(); }, sc_core::sc_gen_unique_name("trace_sampler"), &sampling);
}

void AcceleratorCore::sample() {
  const std::int64_t now = controller_.now_cycle();
  const TraceOptions& o = trace_options_;
  const int layer = controller_.current_layer();
  const bool in_tile = array_.computing();
  if (now < o.start_cycle || (o.end_cycle >= 0 && now > o.end_cycle) || (o.layer >= 0 && layer != o.layer)) return;
  if (o.tile >= 0 && (!in_tile || array_.tile().index != o.tile)) return;
  trace_cycle_ = now;
  trace_layer_ = layer;
  trace_weight_fill_ = weights_.filling();
  trace_dma_busy_ = dma_.busy();
  trace_array_computing_ = array_.computing();
  trace_vector_busy_ = !vector_.done();
  trace_values_fed_ = feeder_.stats().values_fed;
  trace_acc_writes_ = output_.stats().acc_writes;
  trace_dram_bytes_ = dma_.stats().read_bytes + dma_.stats().write_bytes;
  if (!in_tile) {
    trace_tile_ = -1;
    trace_tile_cycle_ = 0;
    return;
  }
  trace_tile_ = array_.tile().index;
  trace_tile_cycle_ = array_.last_tile_cycle();
  const std::uint32_t* lines = array_.last_lines();
  for (int c = 0; c < array_config_.cols; ++c) trace_column_lines_[c] = lines ? lines[c] : 0;
  for (int r = 0; r < array_config_.rows; ++r) trace_row_psum_[r] = array_.cells().cell(r, array_config_.cols - 1).psum();
}

}  // namespace ccsim::hw
