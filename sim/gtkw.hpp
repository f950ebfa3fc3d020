// GTKWave save file for a co-simulation waveform: the tile's sequencer and, grouped per array
// row and per array column, the cells' partial sums and the column bit lines.
#pragma once

#include <string>

namespace ccsim::cosim {

// Writes `path` (atomically) describing `waveform` (.fst or .vcd) of a rows x cols tile with
// alpha bit lines per column and data_bits-cycle MAC slots.
void write_gtkw(const std::string& path, const std::string& waveform, int rows, int cols, int alpha, int data_bits);

}  // namespace ccsim::cosim
