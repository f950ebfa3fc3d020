// The co-simulation testbench (see cosim.hpp), templated on the Verilated accelerator
// configuration (rtl/ccsim_accel.sv: the layer controller, the tile-stream DMA and the tile). One
// SC_THREAD on the falling clock edge: it is the host and the memory around the RTL (a layer's
// block descriptors, tile stream and tensors in memory, one controller start per layer; the
// memory behind both read ports and the write port; the output stream observed lane by lane). When the controller starts a block's tile, it steps the SystemC cycle model
// (hw::MatmulEngine: the Feeder, ColumnFeed, SystolicArray and AccumulatorTile the accelerator's
// unit modules are built from, as one plain object) once per clock, and compares. Rising edge: the
// RTL registers update; falling edge: the bench samples and drives.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <sstream>
#include <type_traits>
#include <utility>

#include <systemc>
#include <verilated.h>
#include <verilated_fst_c.h>

#include "hw/array_config.hpp"
#include "hw/matmul_engine.hpp"
#include "hw/memory_system.hpp"
#include "hw/timing.hpp"
#include "sim/accel_ports.hpp"
#include "sim/cosim.hpp"
#include "sim/tile_program.hpp"
#include "sim/rtl_vector.hpp"
#include "sim/verilated_fields.hpp"

namespace ccsim::cosim {

// The bench clock's period (sc_clock in cosim.cpp): one clock cycle of both designs.
inline constexpr double kBenchClockNs = 1.0;

// Sets fields of a port value: integral ones as rtl::put does; sc_bv bit by bit.
using rtl::put;
template <int W>
void put(sc_dt::sc_bv<W>& v, int lsb, int width, std::uint64_t value) {
  for (int b = 0; b < width; ++b) v[lsb + b] = ((value >> b) & 1) != 0;
}

// The memory side of one valid/ready read port with in-order responses: at a falling edge it
// takes the request offered unless it is refusing (`refuse_after` cycles after each it takes; the
// next rising edge accepts it) and answers `latency` rising edges later.
template <typename Data>
class ReadPortModel {
 public:
  // One falling edge; `read(address)` gives an accepted request's data. Returns the reads in
  // flight right after a request was taken, 0 when none was.
  template <typename ReqValid, typename ReqReady, typename ReqAddr, typename RspValid, typename RspData, typename Read>
  std::size_t serve(std::int64_t now, int latency, int refuse_after, const ReqValid& req_valid, ReqReady& req_ready,
                    const ReqAddr& req_addr, RspValid& rsp_valid, RspData& rsp_data, Read&& read) {
    std::size_t taken_with = 0;
    const bool ready = refuse_ == 0;
    req_ready = ready;
    if (req_valid.read() && ready) {
      in_flight_.emplace_back(now + latency, read(bits_of(req_addr.read(), 0, 32)));
      taken_with = in_flight_.size();
      refuse_ = refuse_after;
    } else if (refuse_ > 0) {
      --refuse_;
    }
    const bool answer = !in_flight_.empty() && in_flight_.front().first <= now;
    rsp_valid = answer;
    if (answer) {
      rsp_data = in_flight_.front().second;
      in_flight_.pop_front();
    }
    return taken_with;
  }
  std::size_t in_flight() const { return in_flight_.size(); }
  void clear() {
    in_flight_.clear();
    refuse_ = 0;
  }

 private:
  std::deque<std::pair<std::int64_t, Data>> in_flight_;  // (rising edge it is due at, data)
  int refuse_ = 0;                                       // cycles the port still refuses requests
};

template <typename V>
class CosimBench : public sc_core::sc_module {
  template <typename Port>
  using signal_of = sc_core::sc_signal<typename std::remove_reference_t<Port>::data_type>;
#define CCSIM_SIG(port) signal_of<decltype(V::port)> port;
  CCSIM_ACCEL_PORTS(CCSIM_SIG)
#undef CCSIM_SIG

 public:
  SC_HAS_PROCESS(CosimBench);
  sc_core::sc_in<bool> clk;

  CosimBench(sc_core::sc_module_name name, const model::PackedNetwork& net, std::vector<model::Int8Tensor> inputs,
             const CosimOptions& options, const TileLimits& limits)
      : sc_core::sc_module(name), net_(net), inputs_(std::move(inputs)), options_(options), limits_(limits) {
    array_ = tile_array(limits);  // the same pixel blocks as the tile
    if (options.design != Design::SystemC) {
      rtl_ = std::make_unique<V>("rtl");
      bind();
      // The vector unit runs while the tile is idle; each of its cycles is one bench clock cycle.
      vector_ = std::make_unique<RtlVectorUnit>([this](bool /*computing*/) {
        wait();
        ++result_.cycles_simulated;
      });
    }
    if (!options.systemc_trace_base.empty() && options.design != Design::Rtl) open_systemc_trace();
    SC_THREAD(run);
    sensitive << clk.neg();
    dont_initialize();
  }

  ~CosimBench() override {
    if (systemc_trace_) sc_core::sc_close_vcd_trace_file(systemc_trace_);
  }

  const CosimResult& result() const { return result_; }

  // Connects the RTL's clock; call once, before sc_start.
  void bind_clock(sc_core::sc_clock& clock) {
    clk(clock);
    if (rtl_) rtl_->clk_i(clock);
  }

 private:
  void bind() {
    V& v = *rtl_;
    CCSIM_BIND_ACCEL_PORTS(v)
  }

  // ---- waveforms -------------------------------------------------------------------------------
  void open_systemc_trace() {
    systemc_trace_ = sc_core::sc_create_vcd_trace_file(systemc_trace_base().c_str());
    systemc_trace_->set_time_unit(1, sc_core::SC_PS);
    mirror_lines_.assign(array_.cols, 0);
    mirror_psum_.assign(static_cast<std::size_t>(array_.rows) * array_.cols, 0);
    sc_core::sc_trace(systemc_trace_, mirror_cycle_, "systemc.cycle");
    sc_core::sc_trace(systemc_trace_, mirror_layer_, "systemc.layer");
    sc_core::sc_trace(systemc_trace_, mirror_tile_, "systemc.tile");
    sc_core::sc_trace(systemc_trace_, mirror_tile_cycle_, "systemc.tile_cycle");
    for (int c = 0; c < array_.cols; ++c) {
      sc_core::sc_trace(systemc_trace_, mirror_lines_[c], "systemc.col" + std::to_string(c) + "_lines", array_.alpha_max);
    }
    for (int r = 0; r < array_.rows; ++r) {
      for (int c = 0; c < array_.cols; ++c) {
        sc_core::sc_trace(systemc_trace_, mirror_psum_[static_cast<std::size_t>(r) * array_.cols + c],
                          "systemc.psum_r" + std::to_string(r) + "_c" + std::to_string(c));
      }
    }
  }
  std::string systemc_trace_base() const { return options_.systemc_trace_base; }

  bool in_window(std::int64_t cycle) const {
    return cycle >= window_start_ && (window_end_ < 0 || cycle <= window_end_);
  }
  void dump(std::int64_t cycle) {
    if (fst_ && in_window(cycle)) fst_->dump(static_cast<std::uint64_t>(sc_core::sc_time_stamp().value()));
  }
  void mirror(const hw::MatmulEngine& e, std::size_t layer, std::int64_t cycle) {
    if (!systemc_trace_ || !in_window(cycle)) return;
    mirror_cycle_ = cycle;
    mirror_layer_ = static_cast<int>(layer);
    mirror_tile_ = e.tile();
    mirror_tile_cycle_ = e.tile_cycle();
    for (int c = 0; c < array_.cols; ++c) mirror_lines_[c] = e.computed() ? e.top_lines()[c] : 0;
    for (int r = 0; r < array_.rows; ++r) {
      for (int c = 0; c < array_.cols; ++c) mirror_psum_[static_cast<std::size_t>(r) * array_.cols + c] = e.array().cell(r, c).psum();
    }
  }

 public:
  // Starts Verilator tracing of the RTL into `path` (FST), dumping cycles [start, end].
  void start_rtl_trace(const std::string& path, std::int64_t start, std::int64_t end) {
    if (!rtl_) return;
    if (fst_) fst_->close();
    fst_ = std::make_unique<VerilatedFstC>();
    rtl_->trace(fst_.get(), 99);
    fst_->open(path.c_str());
    window_start_ = start;
    window_end_ = end;
  }
  void stop_rtl_trace() {
    if (fst_) fst_->close();
    fst_.reset();
  }

 private:
  // ---- the run -----------------------------------------------------------------------------------
  void run() {
    const auto t0 = std::chrono::steady_clock::now();
    try {
      window_start_ = options_.trace_start;
      window_end_ = options_.trace_end;
      if (rtl_) reset();
      if (rtl_ && !options_.trace_path.empty()) start_rtl_trace(rtl_trace_path(), options_.trace_start, options_.trace_end);
      if (vector_ && !options_.vector_trace_path.empty()) open_vector_trace(options_.vector_trace_path);
      for (std::size_t s = 0; s < inputs_.size() && result_.pass; ++s) run_input(s);
      stop_rtl_trace();
      if (vector_) {
        result_.vector_edges_traced = vector_->traced_edges();
        vector_->close_trace();
      }
      if (!result_.pass && rtl_ && !options_.mismatch_trace_path.empty()) {
        if (failing_on_vector_unit_) {
          replay_failing_vector_layer();
        } else {
          replay_failing_layer();
        }
      }
    } catch (...) {
      error_ = std::current_exception();
    }
    result_.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    sc_core::sc_stop();
  }

 public:
  std::exception_ptr error() const { return error_; }

 private:
  // The RTL waveform file Verilator writes (FST; a .vcd request is converted afterwards).
  std::string rtl_trace_path() const { return options_.trace_path; }

  // Runs the failing layer again with the RTL traced around the first mismatch; the cycle
  // numbers are those of the first run.
  void replay_failing_layer() {
    const CosimResult saved = result_;
    const std::int64_t first = first_mismatch_cycle_;
    const std::int64_t layer_start = failing_layer_start_;
    replay_ = std::make_pair(failing_sample_, failing_layer_);
    replay_start_cycle_ = layer_start;
    result_ = CosimResult{};
    reset();
    start_rtl_trace(options_.mismatch_trace_path, std::max<std::int64_t>(layer_start, first - options_.mismatch_margin),
                    first + options_.mismatch_margin);
    run_input(failing_sample_);
    stop_rtl_trace();
    result_ = saved;
    result_.waveform = options_.mismatch_trace_path;
    result_.waveform_unit = "tile";
  }

  // The vector unit's waveform (one clock per bench cycle, on the bench's time base).
  void open_vector_trace(const std::string& path) {
    // The bench runs on the falling clock edges; each unit cycle ends at the next one.
    const std::uint64_t period = sc_core::sc_time(kBenchClockNs, sc_core::SC_NS).value();
    vector_->open_trace(path, [] { return static_cast<std::uint64_t>(sc_core::sc_time_stamp().value()); }, period);
  }

  // Runs the sample again up to the vector-unit layer that failed (earlier layers give their golden
  // values, which the first run matched, without running on either design) and traces the unit
  // around the failing clock cycle of the layer run. The replay's time stamps are its own, not
  // the first run's; the unit's store holds only what this replay wrote (a fault that depends on
  // values left by an earlier layer's pass may not show again).
  void replay_failing_vector_layer() {
    const CosimResult saved = result_;
    replay_ = std::make_pair(failing_sample_, failing_layer_);
    result_ = CosimResult{};
    reset();
    open_vector_trace(options_.mismatch_trace_path);
    const std::int64_t at = std::max<std::int64_t>(failing_vector_cycle_, 0);
    vector_window_ = {std::max<std::int64_t>(0, at - options_.mismatch_margin), at + options_.mismatch_margin};
    run_input(failing_sample_);
    vector_->close_trace();
    vector_window_.reset();
    result_ = saved;
    result_.waveform = options_.mismatch_trace_path;
    result_.waveform_unit = "vector_unit";
  }

  void reset() {
    rst_ni = false;
    wait();
    rst_ni = true;
    wait();
    result_.cycles_simulated += 2;
    reads_.clear();
    stream_reads_.clear();
    edge_served_at_ = -1;  // a replay counts its edges from 0 again
    current_out_ = nullptr;
    write_refuse_ = 0;
    if (vector_) vector_->reset();
  }

  void run_input(std::size_t s) {
    std::vector<model::Int8Tensor> outs;
    outs.reserve(net_.layers.size());  // stable addresses: tensor_address finds a tensor by them
    memory_.assign(kTensorBase, 0);
    tensor_addr_.assign(net_.layers.size() + 1, -1);
    for (std::size_t i = 0; i < net_.layers.size() && result_.pass; ++i) {
      const model::PackedLayer& l = net_.layers[i];
      if (l.kind != model::OpKind::Matmul) {
        const std::vector<const model::Int8Tensor*> operands = model::operands_of(net_, i, outs.data(), 0, inputs_[s]);
        const bool on_unit = vector_ && runs_on_vector_unit(l.kind) && !hw::is_view(net_, i);
        outs.push_back(on_unit ? run_vector(s, i, operands) : model::run_layer(l, operands));
      } else {
        const hw::FeederInput in = hw::feeder_input(net_, i, outs.data(), outs.size(), inputs_[s]);
        const std::uint64_t stored_at = rtl_ ? tensor_address(s, in.stored, outs) : 0;
        outs.push_back(run_matmul(s, i, in.stored, in.fused_shift, stored_at));
      }
    }
    if (result_.pass) result_.outputs.push_back(outs.back());
  }

  // The bench's memory holds a sample's tensors, channel-major, each at an 8-byte-aligned address
  // from kTensorBase on: what the tile's output DMA wrote there, and what the host put there (the
  // network input, the vector unit's and the other layers' outputs) when a Matmul layer reads it.
  static std::size_t whole_words(std::size_t bytes) {
    return (bytes + kMemoryWordBytes - 1) / kMemoryWordBytes * kMemoryWordBytes;
  }
  std::uint64_t allocate(std::size_t bytes) {
    const std::size_t at = whole_words(memory_.size());
    memory_.resize(at + whole_words(bytes), 0);
    return at;
  }
  std::uint64_t tensor_address(std::size_t s, const model::Int8Tensor& t, const std::vector<model::Int8Tensor>& outs) {
    const std::size_t k = &t == &inputs_[s] ? net_.layers.size() : static_cast<std::size_t>(&t - outs.data());
    if (tensor_addr_[k] < 0) {  // not written by the tile: the host puts it there
      tensor_addr_[k] = static_cast<std::int64_t>(allocate(t.data.size()));
      std::copy(t.data.begin(), t.data.end(), memory_.begin() + tensor_addr_[k]);
    }
    return static_cast<std::uint64_t>(tensor_addr_[k]);
  }

  void record(Mismatch m) {
    if (result_.pass) {
      first_mismatch_cycle_ = m.cycle;
      failing_sample_ = m.sample;
      failing_layer_ = m.layer;
      failing_layer_start_ = layer_start_cycle_;
      failing_vector_cycle_ = m.tile < 0 ? m.tile_cycle : -1;  // on the vector unit: its cycle of the layer run
    }
    result_.pass = false;
    if (static_cast<int>(result_.mismatches.size()) < options_.max_mismatches) result_.mismatches.push_back(std::move(m));
  }

  Mismatch at(std::size_t s, std::size_t i, std::int64_t tile, std::int64_t tile_cycle, int r, int c,
              const std::string& signal, std::int64_t expected, std::int64_t actual) const {
    Mismatch m;
    m.cycle = cycle_;
    m.sample = s;
    m.layer = i;
    m.layer_name = net_.layers[i].name;
    m.tile = tile >= 0 ? tile + tile_base_ : tile;  // counted over the layer's blocks
    m.tile_cycle = tile_cycle;
    m.row = r;
    m.col = c;
    m.signal = signal;
    m.expected = expected;
    m.actual = actual;
    return m;
  }

  template <typename Signal>
  using value_of = std::decay_t<decltype(std::declval<Signal&>().read())>;

  // A layer's outputs as its blocks fill them in.
  struct LayerResults {
    std::vector<std::int8_t> stream;      // the RTL's output stream (os_* ports)
    std::vector<char> stream_written;     // which it wrote
    std::vector<std::int8_t> memory;      // the layer's output in memory, as the output DMA wrote it
    std::vector<char> memory_written;     // which bytes it wrote
    std::vector<std::int64_t> write_cycle;  // the compared cycle each byte was written in
    model::Int8Tensor systemc;
  };

  // The host's part of a layer on the RTL: its tile stream (every block's records, in order) and
  // block descriptors in memory (after the layer's input tensor at `stored_at` and its output
  // tensor at out_at_), and one start of the controller, which then walks the blocks.
  void begin_layer(std::size_t s, std::size_t i, const std::vector<TileProgram>& programs, std::uint64_t stored_at, std::size_t stored_bytes) {
    // The tile stream: every block's records, one after another.
    const std::size_t record = static_cast<std::size_t>(limits_.record_bytes());
    std::size_t records = 0;
    for (const TileProgram& p : programs) records += p.stream.size();
    const std::uint64_t stream = allocate(records * record);
    std::vector<std::uint64_t> stream_at;
    std::uint64_t next = stream;
    for (const TileProgram& p : programs) {
      stream_at.push_back(next);
      for (const TileWrite& w : p.stream) {
        const std::vector<std::uint8_t> bytes = tile_record(limits_, w);
        std::copy(bytes.begin(), bytes.end(), memory_.begin() + static_cast<std::ptrdiff_t>(next));
        next += record;
      }
    }
    const std::uint64_t table = allocate(programs.size() * kDescriptorWords * kMemoryWordBytes);
    std::uint64_t at = table;
    for (std::size_t b = 0; b < programs.size(); ++b) {
      const TileProgram& p = programs[b];
      const std::uint64_t band_at = stored_at + static_cast<std::uint64_t>(p.band_first_byte);
      // The output DMA writes the block's outputs into the layer's output tensor (channel-major:
      // channel m's pixels at m P, the block's from its first pixel on).
      const std::uint64_t block_out_at = out_at_ + static_cast<std::uint64_t>(p.first_pixel);
      for (const std::uint64_t word : block_descriptor(p, band_at, block_out_at, stream_at[b], b + 1 == programs.size())) {
        for (std::size_t k = 0; k < kMemoryWordBytes; ++k) memory_[at + k] = static_cast<std::uint8_t>(word >> (8 * k));
        at += kMemoryWordBytes;
      }
    }
    out_layer_pixels_ = std::max<std::int64_t>(1, programs.front().layer_pixels);
    read_from_ = stored_at;
    read_to_ = stored_at + whole_words(stored_bytes);
    table_from_ = table;
    table_to_ = at;
    stream_from_ = stream;
    stream_to_ = next;
    stream_next_ = stream;
    ctrl_desc_addr_i = static_cast<std::uint32_t>(table);
    ctrl_start_i = true;
    clock_idle(s, i);
    ctrl_start_i = false;
  }

  // One falling edge while no block is being compared: the memory, the output DMA's writes and
  // the tile stream are served; then the rising edge.
  void clock_idle(std::size_t s, std::size_t i) {
    serve_edge(s, i);
    wait();
    ++result_.cycles_simulated;
    dump(cycle_);  // the idle cycles are in the waveform (at the next compared cycle's number)
  }

  // What the bench serves at every falling edge, once: the memory's reads (both ports) and writes.
  void serve_edge(std::size_t s, std::size_t i) {
    if (edge_served_at_ == result_.cycles_simulated) return;
    edge_served_at_ = result_.cycles_simulated;
    serve_reads(s, i);
    serve_stream_reads(s, i);
    if (current_out_) serve_output_writes(s, i, *current_out_);
  }

  // Clocks until the controller starts block `b`'s tile: it reads the block's descriptor, has the
  // DMA gather the band from the input tensor, and waits for the tile-stream DMA to have put the
  // block's first two tiles into the tile buffer.
  // Checks the reads each made and the DMA's time; returns with the start's rising edge taken.
  void await_block_start(std::size_t s, std::size_t i, const TileProgram& p, std::uint64_t stored_at, int b) {
    const std::uint64_t band_at = stored_at + static_cast<std::uint64_t>(p.band_first_byte);
    // The words the band's segments touch (each segment starts anywhere in a word).
    std::int64_t words = 0;
    for (std::int64_t k = 0; k < p.band_segments && p.band_segment_bytes > 0; ++k) {
      const std::int64_t offset = static_cast<std::int64_t>((band_at + static_cast<std::uint64_t>(k * p.band_stride)) % kMemoryWordBytes);
      words += (offset + p.band_segment_bytes - 1) / static_cast<std::int64_t>(kMemoryWordBytes) + 1;
      ++result_.input_segments;
      if (offset != 0) ++result_.input_unaligned_segments;
    }
    // The slowest a read of n words may take: kMaxPendingReads words per mem_latency + 1 cycles,
    // plus the cycles the memory refuses requests (mem_busy after each).
    const std::int64_t latency = options_.mem_latency;
    const auto read_time = [&](std::int64_t n) {
      return (n + kMaxPendingReads - 1) / kMaxPendingReads * std::max<std::int64_t>(kMaxPendingReads, latency + 1) +
             n * options_.mem_busy + latency + 2;
    };
    const std::int64_t allowed = read_time(words);
    // Before the start: the descriptor, then the band and the first two tiles (each record read
    // at most stream_gap + 1 cycles after the one before it, 4 in flight), and the state changes
    // between them.
    std::int64_t first_tiles = 0, tiles = 0;
    for (std::size_t w = 0; w < p.stream.size() && tiles < 2; ++w, ++first_tiles) tiles += p.stream[w].last;
    const std::int64_t stream_time =
        first_tiles * std::max<std::int64_t>(options_.stream_gap + 1, (latency + 2 + kMaxPendingReads - 1) / kMaxPendingReads) + latency + 2;
    const std::int64_t limit = read_time(kDescriptorWords) + std::max(allowed, stream_time) + 8;
    dma_reads_ = table_reads_ = 0;
    std::int64_t dma_cycles = 0, n = 0;
    for (; !tile_start_o.read(); ++n) {
      if (ctrl_error_o.read()) {
        throw std::runtime_error("the RTL controller refused the descriptor of block " + std::to_string(b) + " of layer '" +
                                 net_.layers[i].name + "'");
      }
      if (n > limit) {
        record(at(s, i, -1, -1, -1, -1, "cycles for the controller to start block " + std::to_string(b) + " (at most)", limit, n));
        return;
      }
      if (dma_busy_o.read()) ++dma_cycles;
      clock_idle(s, i);
    }
    clock_idle(s, i);  // the rising edge that starts the tile
    result_.controller_cycles += n + 1;
    if (table_reads_ != kDescriptorWords) {
      record(at(s, i, -1, -1, -1, -1, "controller descriptor reads (words)", kDescriptorWords, table_reads_));
    }
    if (dma_reads_ != words) record(at(s, i, -1, -1, -1, -1, "DMA read requests (the words the band's segments touch)", words, dma_reads_));
    if (dma_cycles > allowed) record(at(s, i, -1, -1, -1, -1, "DMA cycles to load the stored input (at most)", allowed, dma_cycles));
  }

  // After the layer's last block: the controller goes idle having started every block, the whole
  // tile stream was taken and no read is left unanswered.
  void finish_layer(std::size_t s, std::size_t i, std::size_t blocks) {
    for (int n = 0; ctrl_busy_o.read(); ++n) {
      if (n > 4) {
        record(at(s, i, -1, -1, -1, -1, "controller busy after the layer's last block (cycles)", 0, n));
        break;
      }
      clock_idle(s, i);
    }
    result_.blocks_started += static_cast<std::int64_t>(ctrl_blocks_o.read());
    if (ctrl_blocks_o.read() != blocks) {
      record(at(s, i, -1, -1, -1, -1, "blocks the controller started", static_cast<std::int64_t>(blocks),
                static_cast<std::int64_t>(ctrl_blocks_o.read())));
    }
    const std::uint64_t bytes = static_cast<std::uint64_t>(limits_.record_bytes());
    if (stream_next_ != stream_to_) {
      record(at(s, i, -1, -1, -1, -1, "tile-stream records read", static_cast<std::int64_t>((stream_to_ - stream_from_) / bytes),
                static_cast<std::int64_t>((stream_next_ - stream_from_) / bytes)));
    }
    if (reads_.in_flight() + stream_reads_.in_flight() > 0) {
      record(at(s, i, -1, -1, -1, -1, "memory reads unanswered after the layer", 0,
                static_cast<std::int64_t>(reads_.in_flight() + stream_reads_.in_flight())));
    }
    stream_from_ = stream_to_ = stream_next_ = 0;
  }

  // The memory behind the tile-stream read port at a falling edge: as serve_reads, refusing
  // stream_gap cycles after each request (--stream-gap). The DMA must read the layer's records
  // in order, each once.
  void serve_stream_reads(std::size_t s, std::size_t i) {
    const auto record_at = [&](std::uint64_t address) {
      if (address != stream_next_ || address >= stream_to_) {
        throw std::runtime_error("the RTL's tile-stream DMA read memory address " + std::to_string(address) +
                                 ", not the layer's next record (" + std::to_string(stream_next_) + ", records end at " +
                                 std::to_string(stream_to_) + ")");
      }
      const std::size_t n = static_cast<std::size_t>(limits_.record_bytes());
      value_of<decltype(ts_rsp_data_i)> data{};
      from_bytes(data, memory_.data() + address, n);
      stream_next_ += n;
      return data;
    };
    const std::size_t in_flight = stream_reads_.serve(result_.cycles_simulated, options_.mem_latency, options_.stream_gap,
                                                      ts_req_valid_o, ts_req_ready_i, ts_req_addr_o, ts_rsp_valid_i,
                                                      ts_rsp_data_i, record_at);
    if (static_cast<std::int64_t>(in_flight) > kMaxPendingReads) {
      record(at(s, i, -1, -1, -1, -1, "tile-stream reads in flight (at most)", kMaxPendingReads, static_cast<std::int64_t>(in_flight)));
    }
  }

  // The memory behind the read port the controller and the stored-input DMA share, at a falling
  // edge (mem_busy: refusing after each request).
  void serve_reads(std::size_t s, std::size_t i) {
    const auto word_at = [&](std::uint64_t address) {
      ++(address >= table_from_ && address < table_to_ ? table_reads_ : dma_reads_);
      return memory_word(address);
    };
    const std::size_t in_flight = reads_.serve(result_.cycles_simulated, options_.mem_latency, options_.mem_busy, mem_req_valid_o,
                                               mem_req_ready_i, mem_req_addr_o, mem_rsp_valid_i, mem_rsp_data_i, word_at);
    if (static_cast<std::int64_t>(in_flight) > kMaxPendingReads) {
      record(at(s, i, -1, -1, -1, -1, "memory reads in flight (at most)", kMaxPendingReads, static_cast<std::int64_t>(in_flight)));
    }
  }

  // The memory word (8 bytes, little-endian) at byte address `address`. A read outside the words
  // of the layer's input tensor and its descriptor table is a fault of the controller or the DMA.
  std::uint64_t memory_word(std::uint64_t address) {
    const bool input = address >= read_from_ && address < read_to_;
    const bool table = address >= table_from_ && address < table_to_;
    if (address % kMemoryWordBytes != 0 || !(input || table)) {
      throw std::runtime_error("the RTL read memory address " + std::to_string(address) + ", outside the input tensor's words [" +
                               std::to_string(read_from_) + ", " + std::to_string(read_to_) + ") and the descriptor table [" +
                               std::to_string(table_from_) + ", " + std::to_string(table_to_) + "), or unaligned");
    }
    std::uint64_t word = 0;
    for (std::size_t b = 0; b < kMemoryWordBytes; ++b) {
      word |= static_cast<std::uint64_t>(memory_[address + b]) << (8 * b);
    }
    return word;
  }

  // The memory behind the output DMA's write port at a falling edge: takes the word offered (the
  // next rising edge sees ready and moves on), refusing mem_busy cycles after each. Every strobed
  // byte must lie inside the layer's output tensor and be written once.
  void serve_output_writes(std::size_t s, std::size_t i, LayerResults& out) {
    check_output_overflow(s, i);
    const bool ready = write_refuse_ == 0;
    wr_ready_i = ready;
    if (!ready) --write_refuse_;
    if (!ready || !wr_valid_o.read()) return;
    write_refuse_ = options_.mem_busy;
    ++result_.output_words_written;
    const std::uint64_t address = bits_of(wr_addr_o.read(), 0, 32);
    const auto data = wr_data_o.read();
    const auto strobes = wr_strb_o.read();
    const std::size_t P = static_cast<std::size_t>(out_layer_pixels_);
    if (address % kMemoryWordBytes != 0) {
      record(at(s, i, -1, -1, -1, -1, "output DMA write address (a multiple of 8)", 0,
                static_cast<std::int64_t>(address % kMemoryWordBytes)));
    }
    for (std::size_t b = 0; b < kMemoryWordBytes; ++b) {
      if (bits_of(strobes, static_cast<int>(b), 1) == 0) continue;
      const std::uint64_t byte = address + b;
      if (byte < out_at_ || byte >= out_at_ + out.memory.size()) {
        record(at(s, i, -1, -1, -1, -1, "output DMA write outside the layer's output (byte address)",
                  static_cast<std::int64_t>(out_at_), static_cast<std::int64_t>(byte)));
        continue;
      }
      const auto index = static_cast<std::size_t>(byte - out_at_);
      if (out.memory_written[index]) {
        record(at(s, i, -1, -1, static_cast<int>(index / P), static_cast<int>(index % P),
                  "output DMA wrote a byte twice (row = channel, col = pixel)", 1, 2));
        continue;
      }
      out.memory_written[index] = 1;
      out.memory[index] = static_cast<std::int8_t>(bits_of(data, static_cast<int>(8 * b), 8));
      out.write_cycle[index] = cycle_;
    }
  }

  // After a block's last compared cycle: clocks until the output DMA holds no word (at most two
  // per row, each taking mem_busy + 1 cycles), then checks that none was lost.
  void drain_output_writes(std::size_t s, std::size_t i) {
    const std::int64_t bound = 2 * static_cast<std::int64_t>(limits_.rows) * (options_.mem_busy + 1) + 2;
    std::int64_t cycles = 0;
    while (true) {
      clock_idle(s, i);  // the rising edge takes the word offered, if any
      ++cycles;
      if (!out_busy_o.read()) break;
      if (cycles > bound) {
        record(at(s, i, -1, -1, -1, -1, "output DMA cycles to write its last words (at most)", bound, cycles));
        break;
      }
    }
    wr_ready_i = false;
    write_refuse_ = 0;
    result_.output_drain_cycles += cycles;
    check_output_overflow(s, i);
    overflow_seen_ = false;
  }

  // The output DMA's overflow flag, recorded at the first falling edge it is up in a block.
  void check_output_overflow(std::size_t s, std::size_t i) {
    if (overflow_seen_ || !out_overflow_o.read()) return;
    overflow_seen_ = true;
    record(at(s, i, -1, -1, -1, -1,
              "output DMA overflow: a row finished a word while it held two unwritten (memory too slow for the "
              "output stream; hw/README.md, \"Output DMA\")", 0, 1));
  }

  // The output stream (observed at the tile's os_* ports) at a falling edge: the activations the
  // next rising edge hands to the output DMA, one lane per array row. Each must be inside the
  // layer's output and written once.
  void collect_outputs(std::size_t s, std::size_t i, std::int64_t tile, std::int64_t tile_cycle, const TileProgram& p,
                       std::vector<std::int8_t>& out, std::vector<char>& written) {
    for_each_output_lane(limits_.rows, os_valid_o, os_row_o, os_pixel_o, os_data_o,
                         [&](int r, std::uint64_t m, std::uint64_t px, std::int8_t value) {
      const std::size_t at_index = static_cast<std::size_t>(m * p.layer_pixels + p.first_pixel + px);
      if (m >= p.rows || px >= p.pixels) {
        record(at(s, i, tile, tile_cycle, r, -1, "output_stream address (row * P + pixel)", static_cast<std::int64_t>(p.output_size),
                  static_cast<std::int64_t>(at_index)));
      } else if (written[at_index]) {
        record(at(s, i, tile, tile_cycle, static_cast<int>(m), static_cast<int>(px), "output_stream written twice", 1, 2));
      } else {
        written[at_index] = 1;
        out[at_index] = value;
      }
    });
  }

  model::Int8Tensor run_matmul(std::size_t s, std::size_t i, const model::Int8Tensor& stored,
                               const model::PackedLayer* shift, std::uint64_t stored_at) {
    const model::PackedLayer& l = net_.layers[i];
    const model::Int8Tensor golden = model::run_layer(l, shift ? model::run_layer(*shift, stored) : stored);
    const bool replaying = replay_ && replay_->first == s && replay_->second == i;
    if (replay_ && !replaying) return golden;  // replay: skip straight to the failing layer (golden values)
    if (replaying) cycle_ = replay_start_cycle_;
    layer_start_cycle_ = cycle_;
    // Block after block (hw/README.md, "Pixel blocks"): each a layer run of its own on both designs.
    const std::vector<hw::PixelBlock> blocks = tile_blocks(l, shift, limits_);
    const std::int64_t per_block = hw::tiles_per_block(array_, l);
    LayerResults out;
    out.stream.assign(golden.data.size(), 0);
    out.stream_written.assign(golden.data.size(), 0);
    out.memory.assign(golden.data.size(), 0);
    out.memory_written.assign(golden.data.size(), 0);
    out.write_cycle.assign(golden.data.size(), -1);
    out.systemc = {golden.shape, std::vector<std::int8_t>(golden.data.size(), 0)};
    std::vector<TileProgram> programs;
    programs.reserve(blocks.size());
    for (const hw::PixelBlock& block : blocks) programs.push_back(make_tile_program(l, shift, stored, limits_, block));
    if (rtl_) {
      out_at_ = allocate(golden.data.size());
      current_out_ = &out;
      begin_layer(s, i, programs, stored_at, stored.data.size());
    }
    for (std::size_t b = 0; b < blocks.size() && result_.pass; ++b) {
      tile_base_ = static_cast<std::int64_t>(b) * per_block;
      run_block(s, i, stored, shift, static_cast<int>(b), blocks[b], programs[b], stored_at, out);
    }
    if (rtl_ && result_.pass) finish_layer(s, i, blocks.size());
    current_out_ = nullptr;
    tile_base_ = 0;
    ++result_.layers_run;
    // Outputs: against each other and against the golden model.
    if (result_.pass && rtl_) {
      const std::size_t P = static_cast<std::size_t>(l.out.h) * l.out.w;
      for (const auto& [written, what] : {std::pair{&out.stream_written, "output_stream never wrote"},
                                          std::pair{&out.memory_written, "output DMA never wrote to memory"}}) {
        const auto missing = std::find(written->begin(), written->end(), 0);
        if (missing == written->end()) continue;
        const auto index = static_cast<std::size_t>(missing - written->begin());
        record(at(s, i, -1, -1, static_cast<int>(index / P), static_cast<int>(index % P),
                  std::string(what) + " (row = channel, col = pixel)", 1, 0));
        break;
      }
      if (result_.pass) compare_output(s, i, golden, out.stream, "output_stream");
      // What the next layer reads: the tensor the output DMA wrote to memory.
      if (result_.pass) compare_output(s, i, golden, out.memory, "rtl_output (memory)", &out.write_cycle);
    }
    const bool engine = options_.design != Design::Rtl;
    if (result_.pass && engine) compare_output(s, i, golden, out.systemc.data, "systemc_output");
    if (rtl_) {  // the layer's output tensor in memory is the output DMA's writes
      std::copy(out.memory.begin(), out.memory.end(), memory_.begin() + static_cast<std::ptrdiff_t>(out_at_));
      tensor_addr_[i] = static_cast<std::int64_t>(out_at_);
      return {golden.shape, out.memory};
    }
    return engine ? out.systemc : golden;
  }

  // A layer on the RTL vector unit (pass after pass), its output against the golden model.
  model::Int8Tensor run_vector(std::size_t s, std::size_t i, const std::vector<const model::Int8Tensor*>& operands) {
    const model::PackedLayer& l = net_.layers[i];
    model::Int8Tensor golden = model::run_layer(l, operands);
    const bool replaying = replay_ && replay_->first == s && replay_->second == i;
    if (replay_ && !replaying) return golden;  // replay: skip straight to the failing layer (golden values)
    // Test-only fault: the reference the unit is checked against gets one value wrong.
    if (options_.fault == hw::Fault::VectorBitFlip && !golden.data.empty()) golden.data[golden.data.size() / 2] ^= 1;
    layer_start_cycle_ = cycle_;
    if (vector_window_) {
      vector_->trace_window(vector_window_->first, vector_window_->second);
    } else if (in_window(cycle_)) {
      vector_->trace_always();
    } else {
      vector_->trace_off();
    }
    const VectorLayerRun run = vector_->run(make_vector_passes(l, operands, RtlVectorUnit::limits()), golden.data.size());
    result_.vector_cycles += run.compute_cycles;
    ++result_.vector_layers_run;
    const auto P = static_cast<std::int64_t>(golden.shape.h) * golden.shape.w;
    if (run.error) {
      const std::int64_t v = run.error->value;
      record(at(s, i, -1, run.error->cycle, v >= 0 ? static_cast<int>(v / P) : -1, v >= 0 ? static_cast<int>(v % P) : -1,
                run.error->signal + (v >= 0 ? " (row = channel, col = pixel)" : ""), run.error->expected, run.error->actual));
      failing_on_vector_unit_ = true;
    } else {
      const bool passed_before = result_.pass;
      // The SystemC model's vector unit counts the same passes (hw/timing.hpp vector_unit_stats).
      const std::int64_t model_cycles = hw::vector_unit_stats(array_, net_, i, false).cycles;
      const std::int64_t last_cycle =
          run.write_cycle.empty() ? 0 : *std::max_element(run.write_cycle.begin(), run.write_cycle.end());
      if (run.compute_cycles != model_cycles) {
        record(at(s, i, -1, last_cycle, -1, -1, "vector_unit cycles (SystemC model's count)", model_cycles, run.compute_cycles));
      }
      compare_output(s, i, golden, run.output, "vector_unit_output", &run.write_cycle);
      if (passed_before && !result_.pass) failing_on_vector_unit_ = true;
    }
    return {golden.shape, run.output};
  }

  // One pixel block of layer i on both designs, compared every cycle.
  void run_block(std::size_t s, std::size_t i, const model::Int8Tensor& stored, const model::PackedLayer* shift, int block,
                 const hw::PixelBlock& pixels, const TileProgram& program, std::uint64_t stored_at, LayerResults& out) {
    const model::PackedLayer& l = net_.layers[i];
    std::optional<hw::MatmulEngine> engine;
    if (options_.design != Design::Rtl) engine.emplace(array_, l, stored, shift, options_.fault, block);
    if (rtl_) {
      await_block_start(s, i, program, stored_at, block);
      if (!result_.pass) return;
    }
    const std::int64_t expected_cycles = hw::block_stats(array_, l, pixels).cycles;
    // A slow tile stream (stream_gap) may make the RTL wait up to (gap + 1) cycles per record.
    const std::int64_t per_record =
        std::max<std::int64_t>(options_.stream_gap + 1, (options_.mem_latency + 1 + kMaxPendingReads) / kMaxPendingReads);
    const std::int64_t cycle_limit =
        expected_cycles + 16 + options_.mem_latency + static_cast<std::int64_t>(program.stream.size()) * per_record;
    std::int64_t k = 0;
    while (true) {
      // Falling edge of cycle k + 1: the RTL's lines for this cycle are on its output.
      const std::int64_t tile = engine ? engine->tile() : (rtl_ ? static_cast<std::int64_t>(tile_o.read()) : 0);
      typename std::remove_reference_t<decltype(V::top_lines_o)>::data_type rtl_lines{};
      const bool rtl_computing = rtl_ && computing_o.read();
      if (rtl_) {
        rtl_lines = top_lines_o.read();
        collect_outputs(s, i, tile, static_cast<std::int64_t>(tile_cycle_o.read()), program, out.stream, out.stream_written);
        serve_edge(s, i);
      }
      if (engine) {
        if (!engine->step()) break;
        if (rtl_ && engine->computed() != rtl_computing) {
          record(at(s, i, tile, engine->tile_cycle(), -1, -1, "computing", engine->computed(), rtl_computing));
        }
        if (rtl_ && engine->computed()) {
          compare_top_lines(array_, *engine, rtl_lines, [&](int c, std::int64_t expected, std::int64_t actual) {
            record(at(s, i, tile, engine->tile_cycle() - 1, 0, c, "top_lines", expected, actual));
          });
        }
      } else if (rtl_ && done_o.read()) {
        break;
      }
      wait();  // rising edge k + 1 happens between the falling edges
      ++k;
      ++cycle_;
      ++result_.cycles_simulated;
      ++result_.cycles_compared;
      dump(cycle_);
      if (engine) mirror(*engine, i, cycle_);
      if (engine && rtl_) compare_array(s, i, *engine);
      if (!result_.pass && cycle_ > first_mismatch_cycle_ + options_.mismatch_margin) break;
      if (k > cycle_limit) {
        record(at(s, i, tile, k, -1, -1, "done", expected_cycles, k));
        break;
      }
    }
    if (engine && rtl_ && result_.pass && !done_o.read()) {
      record(at(s, i, engine->tile(), engine->tile_cycle(), -1, -1, "done", 1, 0));
    }
    if (rtl_) drain_output_writes(s, i);
    if (engine) {
      if (result_.pass && engine->stats().cycles != expected_cycles) {
        record(at(s, i, -1, -1, -1, -1, "cycles", expected_cycles, engine->stats().cycles));
      }
      const auto P = static_cast<std::size_t>(program.layer_pixels);
      for (std::size_t m = 0; m < program.rows; ++m) {
        const std::size_t from = m * P + static_cast<std::size_t>(program.first_pixel);
        std::copy_n(engine->output().data.begin() + static_cast<std::ptrdiff_t>(from), program.pixels,
                    out.systemc.data.begin() + static_cast<std::ptrdiff_t>(from));
      }
    }
    if (result_.pass && rtl_) {
      // The RTL alone: exactly the model's cycles while the tile stream keeps pace; beyond that the
      // tile waits for its weights (counted), never fewer.
      if (!engine && stream_pace(limits_, program, options_.mem_latency, options_.stream_gap).in_time && k != expected_cycles) {
        record(at(s, i, -1, -1, -1, -1, "cycles (the tile stream keeps pace)", expected_cycles, k));
      }
      if (!engine) {
        if (k < expected_cycles) record(at(s, i, -1, -1, -1, -1, "cycles (at least)", expected_cycles, k));
        result_.rtl_wait_cycles += std::max<std::int64_t>(0, k - expected_cycles);
      }
      // Every output of the block leaves the output stream exactly once, in the last column tile.
      const auto writes = static_cast<std::int64_t>(out_writes_o.read());
      const std::int64_t expected_writes =
          engine ? engine->stats().activations_written : static_cast<std::int64_t>(program.rows) * program.pixels;
      if (writes != expected_writes) record(at(s, i, -1, -1, -1, -1, "output_writes", expected_writes, writes));
    }
  }

  // `write_cycle`, when given: the vector unit's clock cycle of the layer run that wrote each value.
  void compare_output(std::size_t s, std::size_t i, const model::Int8Tensor& golden, const std::vector<std::int8_t>& got,
                      const std::string& what, const std::vector<std::int64_t>* write_cycle = nullptr) {
    const std::size_t P = static_cast<std::size_t>(golden.shape.h) * golden.shape.w;
    for (std::size_t k = 0; k < golden.data.size(); ++k) {
      if (got[k] == golden.data[k]) continue;
      record(at(s, i, -1, write_cycle ? (*write_cycle)[k] : -1, static_cast<int>(k / P), static_cast<int>(k % P),
                what + " vs golden (row = channel, col = pixel)", golden.data[k], got[k]));
      return;
    }
  }

  void compare_array(std::size_t s, std::size_t i, const hw::MatmulEngine& e) {
    compare_cell_registers(array_, e, psum_o.read(), prod_o.read(),
                           [&](int r, int c, const char* signal, std::int64_t expected, std::int64_t actual) {
                             record(at(s, i, e.tile(), e.tile_cycle(), r, c, signal, expected, actual));
                           });
  }

  const model::PackedNetwork& net_;
  std::vector<model::Int8Tensor> inputs_;
  CosimOptions options_;
  TileLimits limits_;
  hw::ArrayConfig array_;
  std::unique_ptr<V> rtl_;
  std::unique_ptr<RtlVectorUnit> vector_;  // with the RTL: the layers beside the array
  static constexpr std::size_t kTensorBase = 0x1000;      // the bench's memory: a sample's tensors from here on
  static constexpr std::size_t kMemoryWordBytes = 8;       // the tile's ActWrBytes
  static constexpr std::int64_t kMaxPendingReads = 4;      // the tile's MaxPending (its DMA's reads in flight)
  std::vector<std::uint8_t> memory_;                       // the memory behind the tile's DMAs
  std::vector<std::int64_t> tensor_addr_;                  // where each layer's output (last: the input) is, or -1
  std::uint64_t out_at_ = 0;                               // the output tensor of the layer on the tile
  std::uint64_t read_from_ = 0, read_to_ = 0;              // the words of its input tensor
  std::uint64_t table_from_ = 0, table_to_ = 0;            // its block descriptors
  ReadPortModel<std::uint64_t> reads_;                     // the controller's and the stored-input DMA's port
  std::int64_t dma_reads_ = 0, table_reads_ = 0;           // reads of the band, of descriptors (this block)
  std::int64_t edge_served_at_ = -1;                       // the falling edge last served (serve_edge)
  LayerResults* current_out_ = nullptr;                    // the layer on the tile: what its writes fill
  std::uint64_t stream_from_ = 0, stream_to_ = 0;          // its tile stream's records
  std::uint64_t stream_next_ = 0;                          // the next record the DMA must read
  ReadPortModel<value_of<decltype(ts_rsp_data_i)>> stream_reads_;  // the tile-stream DMA's port
  std::int64_t out_layer_pixels_ = 1;                      // P of the layer being written
  int write_refuse_ = 0;                                   // cycles the memory still refuses writes
  bool overflow_seen_ = false;                             // the block's overflow is recorded
  bool failing_on_vector_unit_ = false;    // the first mismatch: on the vector unit (its own waveform)
  std::int64_t failing_vector_cycle_ = -1;  // its clock cycle in the layer run (VectorLayerRun::write_cycle)
  std::optional<std::pair<std::int64_t, std::int64_t>> vector_window_;  // replay: the cycles to trace
  CosimResult result_;
  std::exception_ptr error_;
  std::int64_t cycle_ = 0;
  std::int64_t first_mismatch_cycle_ = 0;
  std::int64_t layer_start_cycle_ = 0;
  std::int64_t failing_layer_start_ = 0;
  std::int64_t replay_start_cycle_ = 0;
  std::size_t failing_sample_ = 0;
  std::size_t failing_layer_ = 0;
  std::int64_t tile_base_ = 0;  // tiles of the layer's blocks before the current one
  std::optional<std::pair<std::size_t, std::size_t>> replay_;

  std::unique_ptr<VerilatedFstC> fst_;
  std::int64_t window_start_ = 0;
  std::int64_t window_end_ = -1;
  sc_core::sc_trace_file* systemc_trace_ = nullptr;
  std::int64_t mirror_cycle_ = 0;
  int mirror_layer_ = -1;
  std::int64_t mirror_tile_ = 0;
  std::int64_t mirror_tile_cycle_ = 0;
  std::vector<std::uint32_t> mirror_lines_;
  std::vector<std::int32_t> mirror_psum_;
};

}  // namespace ccsim::cosim
