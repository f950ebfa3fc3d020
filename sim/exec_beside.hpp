// The ccsim tool is three programs installed side by side: ccsim (packing, fast mode, sweeps,
// reports), ccsim-systemc (the same plus the SystemC and Verilated models) and ccsim-train
// (libtorch). A command of another program's runs it in place of this process.
#pragma once

namespace ccsim::cli {

// Replaces this process by `program` from this executable's directory with the same arguments
// (argv[0] becomes its path). On failure prints "ccsim: error: ..." naming `command` and the
// program and exits with 1.
[[noreturn]] void exec_beside_self(const char* program, char** argv, const char* command);

// The SystemC hand-over (sim/systemc_runs.hpp), defined once per program: main() gives the
// command line first; require_systemc() returns in ccsim-systemc and, in ccsim, replaces the
// process by ccsim-systemc with that command line unchanged (never returns).
void remember_command_line(int argc, char** argv);
void require_systemc();

}  // namespace ccsim::cli
