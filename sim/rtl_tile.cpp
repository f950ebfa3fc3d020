#include "sim/rtl_tile.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

#include <systemc>
#include <tlm>
#include <verilated.h>
#include <verilated_fst_c.h>

#include "cosim_tiles.hpp"  // generated (CMakeLists.txt, ccsim_verilate_rtl): the Verilated accelerators
#include "hw/memory_system.hpp"
#include "hw/timing.hpp"
#include "sim/cosim.hpp"
#include "sim/accel_ports.hpp"
#include "sim/gtkw.hpp"
#include "sim/tile_program.hpp"

namespace ccsim::cosim {
namespace {

constexpr std::size_t kWordBytes = 8;        // the tile's memory word (ActWrBytes)
constexpr std::size_t kMaxPending = 4;       // reads in flight per port (the RTL's MaxPending)
constexpr std::int64_t kMaxIdleCycles = 1'000'000;  // cycles without any progress: the RTL hangs
constexpr std::size_t kBurstBytes = 256;     // the activation buffer's transfers to and from the region
constexpr int kMaxMismatches = 10;           // kept, described; all are counted
constexpr std::int64_t kMaxControllerTail = 4;  // cycles the controller may stay busy after a layer's last word
constexpr std::int64_t kLoadSlack = 4;          // cycles from a record's answer to its load beyond the R rows

std::size_t whole_words(std::size_t bytes) { return (bytes + kWordBytes - 1) / kWordBytes * kWordBytes; }

// Where one layer's data sits in the tile's DRAM region, from `base`.
struct Region {
  std::uint64_t input = 0, output = 0, stream = 0, table = 0, end = 0;
};
Region region_for(std::uint64_t base, std::size_t input_bytes, std::size_t output_bytes, std::size_t records,
                  std::size_t record_bytes, std::size_t blocks) {
  Region r;
  r.input = base;
  r.output = r.input + whole_words(input_bytes);
  r.stream = r.output + whole_words(output_bytes);
  r.table = r.stream + whole_words(records * record_bytes);
  r.end = r.table + blocks * kDescriptorWords * kWordBytes;
  return r;
}

// The stored input (the feeder's input: with a fused shift, the shift's input) of Matmul layer i.
model::Shape stored_shape(const model::PackedNetwork& net, std::size_t i) {
  return i > 0 && hw::fused_into_next(net, i - 1) ? net.layers[i - 1].in : net.layers[i].in;
}
const model::PackedLayer* fused_shift_of(const model::PackedNetwork& net, std::size_t i) {
  return i > 0 && hw::fused_into_next(net, i - 1) ? &net.layers[i - 1] : nullptr;
}

std::vector<TileProgram> programs_for(const model::PackedLayer& l, const model::PackedLayer* shift,
                                      const model::Int8Tensor& stored, const TileLimits& limits) {
  std::vector<TileProgram> programs;
  for (const hw::PixelBlock& b : tile_blocks(l, shift, limits)) programs.push_back(make_tile_program(l, shift, stored, limits, b));
  return programs;
}

std::size_t records_of(const std::vector<TileProgram>& programs) {
  std::size_t n = 0;
  for (const TileProgram& p : programs) n += p.stream.size();
  return n;
}

template <typename V>
class RtlTile : public sc_core::sc_module, public hw::TileImplementation {
  template <typename Port>
  using signal_of = sc_core::sc_signal<typename std::remove_reference_t<Port>::data_type>;
  template <typename Signal>
  using value_of = std::decay_t<decltype(std::declval<Signal&>().read())>;
#define CCSIM_SIG(port) signal_of<decltype(V::port)> port;
  CCSIM_ACCEL_PORTS(CCSIM_SIG)
#undef CCSIM_SIG

 public:
  sc_core::sc_in<bool> clk;

  RtlTile(sc_core::sc_module_name name, const TileLimits& limits, hw::Fault fault, RtlTileTrace trace,
          RtlTileCorruption corruption, sc_core::sc_in<bool>& clock)
      : sc_core::sc_module(name), clk("clk"), limits_(limits), array_(tile_array(limits)), fault_(fault),
        trace_(std::move(trace)), corruption_(corruption) {
    rtl_ = std::make_unique<V>("rtl");
    bind();
    rtl_->clk_i(clock);
    clk(clock);
    rst_ni = false;  // held in reset until the first layer
  }

  ~RtlTile() override {
    if (fst_) fst_->close();
  }

  std::string name() const override {
    return "RTL accelerator (rtl/ccsim_accel.sv, Verilated, " + std::to_string(limits_.rows) + "x" +
           std::to_string(limits_.cols) + ")";
  }

  std::uint64_t scratch_bytes(const model::PackedNetwork& net) const override {
    std::uint64_t most = 0;
    for (std::size_t i = 0; i < net.layers.size(); ++i) {
      const model::PackedLayer& l = net.layers[i];
      if (l.kind != model::OpKind::Matmul) continue;
      const model::Shape in = stored_shape(net, i);
      const model::Int8Tensor stored{in, std::vector<std::int8_t>(static_cast<std::size_t>(in.size()), 0)};
      const std::vector<TileProgram> programs = programs_for(l, fused_shift_of(net, i), stored, limits_);
      const Region r = region_for(0, stored.data.size(), static_cast<std::size_t>(l.out.size()), records_of(programs),
                                  static_cast<std::size_t>(limits_.record_bytes()), programs.size());
      most = std::max(most, r.end);
    }
    return most;
  }

  const hw::TileCheckStats& stats() const override { return stats_; }
  const std::vector<hw::TileMismatch>& mismatches() const override { return mismatches_; }

  hw::TileLayerRun run_layer(const hw::TileLayerJob& job) override {
    hw::TileLayerRun run;
    try {
      run = run_on_rtl(job);
    } catch (const std::exception& e) {
      run.error = e.what();
    }
    return run;
  }

 private:
  void bind() {
    V& v = *rtl_;
    CCSIM_BIND_ACCEL_PORTS(v)
  }

  // ---- clock -------------------------------------------------------------------------------------
  std::int64_t now_cycle() const {
    return static_cast<std::int64_t>(sc_core::sc_time_stamp() / sc_core::sc_time(static_cast<double>(period_ps_), sc_core::SC_PS));
  }
  // The next falling edge; the waveform gets the RTL's state there (every register has taken the
  // rising edge before it).
  void falling_edge() {
    sc_core::wait(clk.negedge_event());
    if (!fst_) return;
    const std::int64_t now = now_cycle();
    if (now >= trace_.start_cycle && (trace_.end_cycle < 0 || now <= trace_.end_cycle)) {
      fst_->dump(static_cast<std::uint64_t>(sc_core::sc_time_stamp().value()));
    }
  }

  void open_trace() {
    fst_ = std::make_unique<VerilatedFstC>();
    rtl_->trace(fst_.get(), 99);
    fst_->open(trace_.fst_path.c_str());
    if (!trace_.gtkw_path.empty()) {
      write_gtkw(trace_.gtkw_path, trace_.dumpfile, limits_.rows, limits_.cols, limits_.alpha_max, limits_.data_bits,
                 std::string(rtl_->name()));
    }
  }

  void reset() {
    rst_ni = false;
    falling_edge();
    falling_edge();
    rst_ni = true;
    falling_edge();
    reset_done_ = true;
  }

  // ---- the layer ---------------------------------------------------------------------------------
  struct Layer {
    const hw::TileLayerJob* job = nullptr;
    const model::PackedLayer* l = nullptr;
    std::vector<TileProgram> programs;
    Region region;
    std::uint64_t stream_next = 0;  // the record the tile-stream DMA must read next
    std::vector<std::int8_t> stream;      // the output stream (os_* lanes)
    std::vector<char> stream_written;
    std::vector<char> memory_written;     // the output DMA's bytes
    model::Int8Tensor systemc;            // the model's outputs, block by block
    hw::LayerStats compute;
    std::int64_t busy = 0;
    int block = -1;
    std::int64_t tile_base = 0;
    std::int64_t table_reads = 0, input_reads = 0;  // since the last block started (the next block's)
    std::int64_t gathered_bytes = 0;                // the bands' bytes the stored-input DMA moved
    std::vector<std::int64_t> record_answered_at;   // the cycle each tile-stream record reached the RTL
    std::vector<std::vector<std::int64_t>> records_through_tile;  // per block, tile k: the layer's records up to its last
  };

  // The memory words block b's band touches (each segment starts anywhere in a word): what the
  // stored-input DMA must read for it.
  std::int64_t band_words(const Layer& L, std::size_t b) const {
    const TileProgram& p = L.programs[b];
    const std::uint64_t band_at = L.region.input + static_cast<std::uint64_t>(p.band_first_byte);
    std::int64_t words = 0;
    for (std::int64_t k = 0; k < p.band_segments && p.band_segment_bytes > 0; ++k) {
      const auto offset = static_cast<std::int64_t>((band_at + static_cast<std::uint64_t>(k * p.band_stride)) % kWordBytes);
      words += (offset + p.band_segment_bytes - 1) / static_cast<std::int64_t>(kWordBytes) + 1;
    }
    return words;
  }

  // What a layer leaves behind when it ends, normally or not: nothing offered to the RTL, no
  // response pending; after an error the RTL is reset before the next layer.
  void quiesce(bool reset_next) {
    wr_ready_i = false;
    mem_req_ready_i = false;
    ts_req_ready_i = false;
    mem_rsp_valid_i = false;
    ts_rsp_valid_i = false;
    ctrl_start_i = false;
    mem_q_.clear();
    ts_q_.clear();
    if (reset_next) reset_done_ = false;
  }

  void record(const Layer& L, std::int64_t tile, std::int64_t tile_cycle, int row, int col, std::string signal,
              std::int64_t expected, std::int64_t actual) {
    ++stats_.mismatches;
    if (static_cast<int>(mismatches_.size()) >= kMaxMismatches) return;
    hw::TileMismatch m;
    m.cycle = now_cycle();
    m.layer = L.job->index;
    m.block = L.block;
    m.tile = tile >= 0 ? tile + L.tile_base : tile;
    m.tile_cycle = tile_cycle;
    m.row = row;
    m.col = col;
    m.signal = std::move(signal);
    m.expected = expected;
    m.actual = actual;
    mismatches_.push_back(std::move(m));
  }

  // A transfer between the core and the region, in bursts through the core's port, timed.
  void transfer(Layer& L, const hw::TileLayerJob& job, bool write, std::uint64_t address, unsigned char* data, std::size_t bytes) {
    (write ? L.compute.dram_write_bytes : L.compute.dram_read_bytes) += static_cast<std::int64_t>(bytes);
    if (write) L.compute.act_buffer_read_bytes += static_cast<std::int64_t>(bytes);  // the core's buffer reads the input out
    for (std::size_t at = 0; at < bytes; at += kBurstBytes) {
      const auto n = static_cast<unsigned>(std::min(kBurstBytes, bytes - at));
      const std::int64_t delay = job.memory.transport(write, address + at, data + at, n, nullptr);
      if (delay < 0) throw std::runtime_error("an error response at DRAM address " + std::to_string(address + at));
      sc_core::wait(sc_core::sc_time(static_cast<double>(delay), sc_core::SC_PS));
    }
    stats_.spill_bytes += static_cast<std::int64_t>(bytes);
  }

  void put_image(const hw::TileLayerJob& job, std::uint64_t address, std::vector<std::uint8_t>& bytes) {
    if (!job.memory.debug(true, address, bytes.data(), static_cast<unsigned>(bytes.size()))) {
      throw std::runtime_error("the tile's image does not fit DRAM at address " + std::to_string(address));
    }
  }

  hw::TileLayerRun run_on_rtl(const hw::TileLayerJob& job) {
    const model::PackedLayer& l = *job.layer;
    const model::Int8Tensor& stored = *job.input;
    const model::Int8Tensor golden = model::run_layer(l, job.fused_shift ? model::run_layer(*job.fused_shift, stored) : stored);
    Layer L;
    L.job = &job;
    L.l = &l;
    L.programs = programs_for(l, job.fused_shift, stored, limits_);
    const std::size_t record_bytes = static_cast<std::size_t>(limits_.record_bytes());
    L.region = region_for(job.scratch, stored.data.size(), golden.data.size(), records_of(L.programs), record_bytes,
                          L.programs.size());
    L.stream.assign(golden.data.size(), 0);
    L.stream_written.assign(golden.data.size(), 0);
    L.memory_written.assign(golden.data.size(), 0);
    L.systemc = {golden.shape, std::vector<std::int8_t>(golden.data.size(), 0)};
    L.stream_next = L.region.stream;
    std::int64_t through = 0;
    for (const TileProgram& p : L.programs) {
      L.records_through_tile.emplace_back();
      for (const TileWrite& w : p.stream) {
        ++through;
        if (w.last) L.records_through_tile.back().push_back(through);
      }
    }
    period_ps_ = std::max<std::int64_t>(1, job.clock_period_ps);
    if (!trace_.fst_path.empty() && !fst_) open_trace();  // in a process: Verilated SystemC models trace once elaborated
    if (!reset_done_) reset();

    // 1. The stored input into the region, from the core's activation buffer.
    std::vector<unsigned char> bytes(stored.data.size());
    std::copy(stored.data.begin(), stored.data.end(), reinterpret_cast<std::int8_t*>(bytes.data()));
    transfer(L, job, true, L.region.input, bytes.data(), bytes.size());
    // 2. The tile stream and the block descriptors, as the compiler lays them out.
    std::vector<std::uint8_t> image;
    std::vector<std::uint64_t> stream_at;
    for (const TileProgram& p : L.programs) {
      stream_at.push_back(L.region.stream + image.size());
      for (const TileWrite& w : p.stream) {
        const std::vector<std::uint8_t> rec = tile_record(limits_, w);
        image.insert(image.end(), rec.begin(), rec.end());
      }
    }
    if (!image.empty()) put_image(job, L.region.stream, image);
    image.clear();
    for (std::size_t b = 0; b < L.programs.size(); ++b) {
      const TileProgram& p = L.programs[b];
      const std::uint64_t band_at = L.region.input + static_cast<std::uint64_t>(p.band_first_byte);
      const std::uint64_t out_at = L.region.output + static_cast<std::uint64_t>(p.first_pixel);
      for (const std::uint64_t word : block_descriptor(p, band_at, out_at, stream_at[b], b + 1 == L.programs.size())) {
        for (std::size_t k = 0; k < kWordBytes; ++k) image.push_back(static_cast<std::uint8_t>(word >> (8 * k)));
      }
    }
    put_image(job, L.region.table, image);
    // 3. The RTL controller walks the blocks; the model starts beside each.
    try {
      run_controller(L, stored, job.fused_shift);
    } catch (const std::logic_error&) {  // the system around the tile, not the RTL
      quiesce(true);
      throw;
    } catch (const std::exception& e) {
      record(L, -1, -1, -1, -1, std::string("RTL run stopped: ") + e.what(), 0, 1);
      quiesce(true);
      throw;
    }
    quiesce(false);
    ++stats_.layers;
    // 4. Every output left the stream once and reached DRAM once; against the model and golden.
    const std::size_t P = static_cast<std::size_t>(golden.shape.h) * golden.shape.w;
    for (const auto& [written, what] : {std::pair{&L.stream_written, "output stream never wrote"},
                                        std::pair{&L.memory_written, "output DMA never wrote to memory"}}) {
      const auto missing = std::find(written->begin(), written->end(), 0);
      if (missing == written->end()) continue;
      const auto k = static_cast<std::size_t>(missing - written->begin());
      record(L, -1, -1, static_cast<int>(k / P), static_cast<int>(k % P), std::string(what) + " (row = channel, col = pixel)", 1, 0);
    }
    hw::TileLayerRun run;
    run.output = {golden.shape, std::vector<std::int8_t>(golden.data.size(), 0)};
    transfer(L, job, false, L.region.output, reinterpret_cast<unsigned char*>(run.output.data.data()), run.output.data.size());
    compare_values(L, golden, L.stream, "output stream vs golden");
    compare_values(L, golden, run.output.data, "output in DRAM vs golden");
    compare_values(L, golden, L.systemc.data, "SystemC model vs golden");
    stats_.values_compared += static_cast<std::int64_t>(golden.data.size());
    // The RTL tile's own buffers: its feeder reads a byte per value fed, its DMA writes the bands.
    L.compute.act_buffer_read_bytes += L.compute.input_bits / limits_.data_bits;
    L.compute.act_buffer_write_bytes += L.gathered_bytes;
    L.compute.weight_buffer_fill_bytes += static_cast<std::int64_t>(records_of(L.programs) * record_bytes);
    run.compute = L.compute;
    run.busy_cycles = L.busy;
    return run;
  }

  void compare_values(Layer& L, const model::Int8Tensor& golden, const std::vector<std::int8_t>& got, const std::string& what) {
    const std::size_t P = static_cast<std::size_t>(golden.shape.h) * golden.shape.w;
    for (std::size_t k = 0; k < golden.data.size(); ++k) {
      if (got[k] == golden.data[k]) continue;
      record(L, -1, -1, static_cast<int>(k / P), static_cast<int>(k % P), what + " (row = channel, col = pixel)", golden.data[k], got[k]);
      return;
    }
  }

  // Starts the RTL controller on the layer's descriptor chain and clocks until it has run every
  // block and written every output, serving its memory ports at each falling edge and stepping the
  // model beside each block's tile.
  void run_controller(Layer& L, const model::Int8Tensor& stored, const model::PackedLayer* shift) {
    falling_edge();  // the start is raised at a falling edge and taken by the next rising one
    ctrl_desc_addr_i = static_cast<std::uint32_t>(L.region.table);
    ctrl_start_i = true;
    std::optional<hw::MatmulEngine> engine;
    bool start_pending = false, compare_pending = false, overflow_seen = false, started = false;
    std::int64_t idle = 0, ctrl_tail = 0;
    for (;;) {
      falling_edge();
      const std::int64_t now = now_cycle();
      // After a tile's last cycle the model has cleared its cells for the next tile (the RTL clears
      // them in the cycle it starts a tile); an RTL tile now waiting for its weights has not yet.
      if (compare_pending && !(engine->computes_next() && engine->tile_cycle() == 0 && !computing_o.read())) {
        compare_cells(L, *engine);  // (after a tile's last cycle the model has cleared its cells for the next
      }                             // tile, which the RTL does when it starts it: compared once it computes)
      compare_pending = false;
      ctrl_start_i = false;
      if (ctrl_error_o.read()) {
        throw std::runtime_error("the RTL controller refused the descriptor of block " + std::to_string(L.block + 1));
      }
      if (out_overflow_o.read() && !overflow_seen) {
        overflow_seen = true;
        record(L, -1, -1, -1, -1, "output DMA overflow (memory too slow for the output stream; hw/README.md, \"Output DMA\")", 0, 1);
      }
      started |= ctrl_busy_o.read();
      if (started && !ctrl_busy_o.read() && !out_busy_o.read() && !engine && !start_pending) break;
      ctrl_tail = last_block_written(L, engine.has_value() || start_pending) ? ctrl_tail + 1 : 0;
      if (ctrl_tail > kMaxControllerTail) {
        record(L, -1, -1, -1, -1, "controller busy after the layer's last outputs reached memory (cycles, at most)",
               kMaxControllerTail, ctrl_tail);
        throw std::runtime_error("the RTL controller did not finish the layer");
      }
      // A response not yet due is progress too (a slow memory is not a hang).
      bool progress = collect_outputs(L) || !mem_q_.empty() || !ts_q_.empty();
      progress |= serve_reads(L, now);
      progress |= serve_stream(L, now);
      progress |= serve_writes(L);
      if (start_pending) {
        engine.emplace(array_, *L.l, stored, shift, fault_, L.block);
        start_pending = false;
      }
      if (engine) {
        if (rtl_waiting(L, *engine, now)) {
          ++stats_.wait_cycles;  // the RTL's tile waits for its weights: the model waits with it
        } else if (!engine->step()) {
          finish_block(L, *engine);
          engine.reset();
          progress = true;
        } else {
          compare_lines(L, *engine);
          compare_pending = true;
          ++stats_.cycles_compared;
          progress = true;
        }
      } else if (tile_start_o.read()) {  // the next rising edge starts the block's tile
        ++L.block;
        check_block_reads(L);
        L.tile_base = static_cast<std::int64_t>(L.block) * hw::tiles_per_block(array_, *L.l);
        start_pending = true;
        progress = true;
        ++stats_.blocks;
      }
      idle = progress ? 0 : idle + 1;
      if (idle > kMaxIdleCycles) {
        throw std::runtime_error("the RTL accelerator made no progress for " + std::to_string(kMaxIdleCycles) + " cycles");
      }
    }
    if (!mem_q_.empty() || !ts_q_.empty()) {
      record(L, -1, -1, -1, -1, "memory reads unanswered after the layer", 0, static_cast<std::int64_t>(mem_q_.size() + ts_q_.size()));
    }
    if (L.table_reads != 0 || L.input_reads != 0) {
      record(L, -1, -1, -1, -1, "memory reads after the layer's last block started", 0, L.table_reads + L.input_reads);
    }
    if (static_cast<std::size_t>(ctrl_blocks_o.read()) != L.programs.size()) {
      record(L, -1, -1, -1, -1, "blocks the controller started", static_cast<std::int64_t>(L.programs.size()),
             static_cast<std::int64_t>(ctrl_blocks_o.read()));
    }
    if (L.stream_next != L.region.table && records_of(L.programs) > 0) {
      record(L, -1, -1, -1, -1, "tile-stream records read", static_cast<std::int64_t>(records_of(L.programs)),
             static_cast<std::int64_t>((L.stream_next - L.region.stream) / static_cast<std::uint64_t>(limits_.record_bytes())));
    }
  }

  // The RTL's tile waits for its weights: at a tile boundary inside the block (never before its
  // first tile: the controller starts a block with two tiles in), busy but not computing, while the
  // records of the tile about to start have not all reached it or during the R rows of its load
  // after the last one did (and a few cycles of the tile buffer's queue). Anything else that keeps
  // the RTL from computing when the model does is a "computing" mismatch.
  bool rtl_waiting(const Layer& L, const hw::MatmulEngine& e, std::int64_t now) const {
    if (!(e.computes_next() && e.tile() > 0 && e.tile_cycle() == 0 && !computing_o.read() && busy_o.read())) return false;
    const auto& through = L.records_through_tile[static_cast<std::size_t>(L.block)];
    const auto k = static_cast<std::size_t>(e.tile());
    if (k >= through.size()) return false;
    const std::int64_t needed = through[k];
    if (static_cast<std::int64_t>(L.record_answered_at.size()) < needed) return true;  // still coming
    return now - L.record_answered_at[static_cast<std::size_t>(needed - 1)] <= limits_.rows + kLoadSlack;
  }

  // Whether the layer's last block has run and its outputs have all reached memory (the controller
  // then has a few cycles to go idle).
  bool last_block_written(const Layer& L, bool engine_running) const {
    return !engine_running && L.block + 1 == static_cast<int>(L.programs.size()) && !out_busy_o.read() && ctrl_busy_o.read() &&
           !tile_start_o.read();
  }

  // When a block starts: the controller read its 7 descriptor words and the DMA each word of its
  // band once (the reads since the block before started).
  void check_block_reads(Layer& L) {
    const auto b = static_cast<std::size_t>(L.block);
    if (b >= L.programs.size()) {
      record(L, -1, -1, -1, -1, "blocks the controller started (at most)", static_cast<std::int64_t>(L.programs.size()), L.block + 1);
      throw std::runtime_error("the RTL controller started more blocks than the layer has");
    }
    if (L.table_reads != kDescriptorWords) {
      record(L, -1, -1, -1, -1, "controller descriptor reads (words)", kDescriptorWords, L.table_reads);
    }
    const std::int64_t words = band_words(L, b);
    if (L.input_reads != words) {
      record(L, -1, -1, -1, -1, "DMA read requests (the words the band's segments touch)", words, L.input_reads);
    }
    const TileProgram& p = L.programs[b];
    L.gathered_bytes += p.band_segments * p.band_segment_bytes;
    L.table_reads = L.input_reads = 0;
  }

  void finish_block(Layer& L, const hw::MatmulEngine& e) {
    if (!done_o.read()) record(L, e.tile(), e.tile_cycle(), -1, -1, "done", 1, 0);
    const TileProgram& p = L.programs[static_cast<std::size_t>(L.block)];
    const auto P = static_cast<std::size_t>(p.layer_pixels);
    for (std::size_t m = 0; m < p.rows; ++m) {
      const std::size_t from = m * P + static_cast<std::size_t>(p.first_pixel);
      std::copy_n(e.output().data.begin() + static_cast<std::ptrdiff_t>(from), p.pixels,
                  L.systemc.data.begin() + static_cast<std::ptrdiff_t>(from));
    }
    const auto writes = static_cast<std::int64_t>(out_writes_o.read());
    if (writes != e.stats().activations_written) record(L, -1, -1, -1, -1, "output_writes", e.stats().activations_written, writes);
    L.compute.add(e.stats());
    L.busy += e.stats().cycles - e.stats().stall_cycles;  // computing, as the SystemC controller counts it
  }

  // ---- comparison with the model beside ------------------------------------------------------------
  void compare_lines(Layer& L, const hw::MatmulEngine& e) {
    const bool rtl_computing = computing_o.read();
    if (e.computed() != rtl_computing) record(L, e.tile(), e.tile_cycle(), -1, -1, "computing", e.computed(), rtl_computing);
    if (!e.computed()) return;
    compare_top_lines(array_, e, top_lines_o.read(), [&](int c, std::int64_t expected, std::int64_t actual) {
      record(L, e.tile(), e.tile_cycle() - 1, 0, c, "top_lines", expected, actual);
    });
  }

  void compare_cells(Layer& L, const hw::MatmulEngine& e) {
    compare_cell_registers(array_, e, psum_o.read(), prod_o.read(),
                           [&](int r, int c, const char* signal, std::int64_t expected, std::int64_t actual) {
                             record(L, e.tile(), e.tile_cycle(), r, c, signal, expected, actual);
                           });
  }

  // The output stream at a falling edge (one lane per array row): each output inside the layer,
  // written once.
  bool collect_outputs(Layer& L) {
    if (L.block < 0) return false;
    const TileProgram& p = L.programs[static_cast<std::size_t>(L.block)];
    return for_each_output_lane(limits_.rows, os_valid_o, os_row_o, os_pixel_o, os_data_o,
                                [&](int r, std::uint64_t m, std::uint64_t px, std::int8_t value) {
      const auto k = static_cast<std::size_t>(m * static_cast<std::uint64_t>(p.layer_pixels) + static_cast<std::uint64_t>(p.first_pixel) + px);
      if (m >= p.rows || px >= p.pixels) {
        record(L, static_cast<std::int64_t>(tile_o.read()), static_cast<std::int64_t>(tile_cycle_o.read()), r, -1,
               "output stream address (row * P + pixel)", static_cast<std::int64_t>(L.stream.size()), static_cast<std::int64_t>(k));
      } else if (L.stream_written[k]) {
        record(L, -1, -1, static_cast<int>(m), static_cast<int>(px), "output stream wrote twice", 1, 2);
      } else {
        L.stream_written[k] = 1;
        L.stream[k] = value;
      }
    });
  }

  // ---- the RTL's memory ports as TLM transactions ---------------------------------------------------
  // A response is due when the transaction's annotated delay has passed (at least the next cycle),
  // in request order.
  template <typename Data>
  struct Pending {
    std::int64_t due = 0;
    Data data{};
  };
  std::int64_t due_after(std::int64_t now, std::int64_t delay_ps, std::int64_t last_due) const {
    const std::int64_t period = period_ps_;
    return std::max({now + std::max<std::int64_t>(1, (delay_ps + period - 1) / period), last_due});
  }
  std::int64_t read_memory(Layer& L, std::uint64_t address, unsigned char* data, unsigned n) {
    const std::int64_t delay = timed_transport(L, false, address, data, n, nullptr);
    if (delay < 0) throw std::runtime_error("the RTL read DRAM address " + std::to_string(address) + ": error response");
    ++stats_.memory_reads;
    L.compute.dram_read_bytes += n;
    return delay;
  }
  // A port's transaction at a falling edge: the time it takes is annotated, never waited (the
  // response is scheduled from it), so the per-cycle comparison stays on the clock's edges.
  std::int64_t timed_transport(const Layer& L, bool write, std::uint64_t address, unsigned char* data, unsigned n,
                               const unsigned char* enable) {
    const sc_core::sc_time before = sc_core::sc_time_stamp();
    const std::int64_t delay = L.job->memory.transport(write, address, data, n, enable);
    if (sc_core::sc_time_stamp() != before) {
      throw std::logic_error("a memory target waited inside b_transport: the RTL tile's ports need targets that annotate their time");
    }
    return delay;
  }

  // The port the controller (descriptors) and the stored-input DMA share: only the layer's input
  // tensor's words and its descriptor table may be read.
  bool serve_reads(Layer& L, std::int64_t now) {
    mem_req_ready_i = true;
    bool progress = false;
    if (mem_req_valid_o.read()) {
      const std::uint64_t address = bits_of(mem_req_addr_o.read(), 0, 32);
      const bool input = address >= L.region.input && address < L.region.output;
      const bool table = address >= L.region.table && address < L.region.end;
      if (address % kWordBytes != 0 || !(input || table)) {
        record(L, -1, -1, -1, -1, "RTL read address (inside the input tensor's words or the descriptor table)",
               static_cast<std::int64_t>(L.region.input), static_cast<std::int64_t>(address));
      }
      ++(table ? L.table_reads : L.input_reads);
      std::uint64_t word = 0;
      unsigned char bytes[kWordBytes] = {};
      const std::int64_t delay = read_memory(L, address, bytes, kWordBytes);
      std::memcpy(&word, bytes, kWordBytes);
      if (input && input_words_read_++ == corruption_.flip_input_word) word ^= 1;  // tests only
      mem_q_.push_back({due_after(now, delay, mem_q_.empty() ? 0 : mem_q_.back().due), word});
      if (mem_q_.size() > kMaxPending) record(L, -1, -1, -1, -1, "memory reads in flight (at most)", kMaxPending, static_cast<std::int64_t>(mem_q_.size()));
      progress = true;
    }
    return answer(mem_q_, now, mem_rsp_valid_i, mem_rsp_data_i) || progress;
  }

  // The oldest pending response once it is due (one per cycle, in request order).
  template <typename Queue, typename Valid, typename Data>
  static bool answer(Queue& queue, std::int64_t now, Valid& valid, Data& data) {
    const bool due = !queue.empty() && queue.front().due <= now;
    valid = due;
    if (due) {
      data = queue.front().data;
      queue.pop_front();
    }
    return due;
  }

  // The tile-stream DMA's port: the layer's records in order, each once.
  bool serve_stream(Layer& L, std::int64_t now) {
    ts_req_ready_i = true;
    bool progress = false;
    const auto n = static_cast<unsigned>(limits_.record_bytes());
    if (ts_req_valid_o.read()) {
      const std::uint64_t address = bits_of(ts_req_addr_o.read(), 0, 32);
      if (address != L.stream_next || address >= L.region.table) {
        record(L, -1, -1, -1, -1, "tile-stream read address (the layer's next record)", static_cast<std::int64_t>(L.stream_next),
               static_cast<std::int64_t>(address));
      }
      std::vector<unsigned char> bytes(n);
      const std::int64_t delay = read_memory(L, address, bytes.data(), n);
      value_of<decltype(ts_rsp_data_i)> data{};
      from_bytes(data, bytes.data(), n);
      L.stream_next = address + n;
      ts_q_.push_back({due_after(now, delay, ts_q_.empty() ? 0 : ts_q_.back().due), data});
      if (ts_q_.size() > kMaxPending) record(L, -1, -1, -1, -1, "tile-stream reads in flight (at most)", kMaxPending, static_cast<std::int64_t>(ts_q_.size()));
      progress = true;
    }
    if (!answer(ts_q_, now, ts_rsp_valid_i, ts_rsp_data_i)) return progress;
    L.record_answered_at.push_back(now);
    return true;
  }

  // The output DMA's write port: writes are posted (the port takes a word every cycle; its bytes
  // occupy the memory channel as the memory model says). Every strobed byte inside the layer's
  // output tensor, written once.
  bool serve_writes(Layer& L) {
    wr_ready_i = true;
    if (!wr_valid_o.read()) return false;
    const std::uint64_t address = bits_of(wr_addr_o.read(), 0, 32);
    const std::uint64_t data = bits_of(wr_data_o.read(), 0, 64);
    const auto strobes = wr_strb_o.read();
    unsigned char bytes[kWordBytes], enable[kWordBytes];
    const std::uint64_t out_end = L.region.output + L.memory_written.size();
    const std::size_t P = static_cast<std::size_t>(std::max<std::int64_t>(1, L.programs.front().layer_pixels));
    for (std::size_t b = 0; b < kWordBytes; ++b) {
      bytes[b] = static_cast<unsigned char>(data >> (8 * b));
      enable[b] = bits_of(strobes, static_cast<int>(b), 1) ? TLM_BYTE_ENABLED : TLM_BYTE_DISABLED;
      if (enable[b] != TLM_BYTE_ENABLED) continue;
      const std::uint64_t byte = address + b;
      if (byte < L.region.output || byte >= out_end) {
        record(L, -1, -1, -1, -1, "output DMA write outside the layer's output (byte address)", static_cast<std::int64_t>(L.region.output),
               static_cast<std::int64_t>(byte));
        enable[b] = TLM_BYTE_DISABLED;  // not into the rest of DRAM
        continue;
      }
      const auto k = static_cast<std::size_t>(byte - L.region.output);
      if (L.memory_written[k]) record(L, -1, -1, static_cast<int>(k / P), static_cast<int>(k % P), "output DMA wrote a byte twice", 1, 2);
      L.memory_written[k] = 1;
    }
    if (address % kWordBytes != 0) {
      record(L, -1, -1, -1, -1, "output DMA write address (a multiple of 8)", 0, static_cast<std::int64_t>(address % kWordBytes));
      return true;
    }
    if (timed_transport(L, true, address, bytes, kWordBytes, enable) < 0) {
      throw std::runtime_error("the RTL wrote DRAM address " + std::to_string(address) + ": error response");
    }
    ++stats_.memory_writes;
    for (std::size_t b = 0; b < kWordBytes; ++b) L.compute.dram_write_bytes += enable[b] == TLM_BYTE_ENABLED;
    return true;
  }

  TileLimits limits_;
  hw::ArrayConfig array_;
  hw::Fault fault_;
  RtlTileTrace trace_;
  RtlTileCorruption corruption_;
  std::int64_t input_words_read_ = 0;
  std::unique_ptr<V> rtl_;
  std::unique_ptr<VerilatedFstC> fst_;
  bool reset_done_ = false;
  std::int64_t period_ps_ = 1000;
  std::deque<Pending<std::uint64_t>> mem_q_;
  std::deque<Pending<value_of<decltype(ts_rsp_data_i)>>> ts_q_;
  hw::TileCheckStats stats_;
  std::vector<hw::TileMismatch> mismatches_;
};

struct TileModel {
  int rows, cols;
  std::unique_ptr<hw::TileImplementation> (*make)(const TileLimits&, hw::Fault, const RtlTileTrace&, RtlTileCorruption,
                                                  sc_core::sc_in<bool>&);
};

template <typename V>
std::unique_ptr<hw::TileImplementation> make_tile(const TileLimits& limits, hw::Fault fault, const RtlTileTrace& trace,
                                                  RtlTileCorruption corruption, sc_core::sc_in<bool>& clock) {
  VerilatedContext& context = accel_context();
  context.randReset(2);  // unreset state starts random (built with --x-initial unique) ...
  context.randSeed(1);   // ... reproducibly
  if (!trace.fst_path.empty()) context.traceEverOn(true);  // before the model is built
  return std::make_unique<RtlTile<V>>(sc_core::sc_gen_unique_name("rtl_tile"), limits, fault, trace, corruption, clock);
}

const std::vector<TileModel>& tile_models() {
#define CCSIM_TILE_MODEL(V, R, C, ACT, PIX, CH) TileModel{R, C, &make_tile<V>},
  static const std::vector<TileModel> models{CCSIM_COSIM_TILES(CCSIM_TILE_MODEL)};
#undef CCSIM_TILE_MODEL
  return models;
}

// The built tile's limits for `array`, refusing settings it does not implement.
TileLimits tile_limits_for(const hw::ArrayConfig& array) {
  const TileLimits limits = cosim_limits(array.rows, array.cols);  // an unbuilt size: refused, listing the built ones
  const auto refuse = [](const std::string& what) { throw std::invalid_argument("--rtl tile: " + what); };
  if (array.mac != hw::MacKind::BitSerial) refuse("the RTL tile has bit-serial cells; drop --mac parallel");
  if (array.alpha_max != limits.alpha_max) {
    refuse("the RTL tile's multiplexers are " + std::to_string(limits.alpha_max) + " wide; the array has --alpha-max " +
           std::to_string(array.alpha_max));
  }
  if (array.data_bits != limits.data_bits) {
    refuse("the RTL tile computes on " + std::to_string(limits.data_bits) + "-bit activations; the array has --data-bits " +
           std::to_string(array.data_bits));
  }
  if (!array.shadow_weights || array.load_cycles_per_row != 1) {
    refuse("the RTL tile loads one weight row per cycle into shadow registers; the weight buffer is configured otherwise");
  }
  return limits;
}

}  // namespace

hw::TileImplementationFactory rtl_tile_factory(hw::Fault fault, RtlTileTrace trace, RtlTileCorruption corruption) {
  return [fault, trace, corruption](const hw::ArrayConfig& array, sc_core::sc_in<bool>& clock) {
    const TileLimits limits = tile_limits_for(array);
    for (const TileModel& m : tile_models()) {
      if (m.rows == array.rows && m.cols == array.cols) return m.make(limits, fault, trace, corruption, clock);
    }
    throw std::logic_error("no Verilated accelerator for a built tile size");  // cosim_limits found it
  };
}

void check_rtl_tile_fits(const model::PackedNetwork& net, const hw::ArrayConfig& array) {
  const TileLimits limits = tile_limits_for(array);
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const model::PackedLayer& l = net.layers[i];
    if (l.kind != model::OpKind::Matmul) continue;
    const model::Shape in = stored_shape(net, i);
    const model::Int8Tensor stored{in, std::vector<std::int8_t>(static_cast<std::size_t>(in.size()), 0)};
    (void)programs_for(l, fused_shift_of(net, i), stored, limits);
  }
}

}  // namespace ccsim::cosim
