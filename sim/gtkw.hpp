// GTKWave save files for co-simulation waveforms: the tile's sequencer, its stored-input DMA and,
// grouped per array row and per array column, the cells' partial sums and the column bit lines;
// the vector unit's pass control, walk counters and, grouped per lane, its accumulators and
// output stream.
#pragma once

#include <string>

namespace ccsim::cosim {

// Writes `path` (atomically) describing `waveform` (.fst or .vcd) of a rows x cols tile with
// alpha bit lines per column and data_bits-cycle MAC slots; `model_scope` is the Verilated
// model's scope in the waveform (ccsim cosim's bench: "cosim.rtl").
void write_gtkw(const std::string& path, const std::string& waveform, int rows, int cols, int alpha, int data_bits,
                const std::string& model_scope = "cosim.rtl");

// Writes `path` (atomically) describing `waveform` (.fst or .vcd) of the vector unit with `lanes` lanes.
void write_vector_gtkw(const std::string& path, const std::string& waveform, int lanes);

}  // namespace ccsim::cosim
