// The `ccsim` side of the seam (sim/systemc_runs.hpp): no SystemC here. A command that needs it
// has called require_systemc() first, which hands the command line to ccsim-systemc; reaching
// one of the run functions instead is a bug in that command.
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>

#include "sim/commands.hpp"
#include "sim/exec_beside.hpp"
#include "sim/systemc_runs.hpp"

namespace ccsim::cli {
namespace {

int saved_argc = 0;
char** saved_argv = nullptr;

[[noreturn]] void missed_require(const char* what) {
  throw std::logic_error(std::string(what) + " needs ccsim-systemc: its command did not call require_systemc() first");
}

}  // namespace

void remember_command_line(int argc, char** argv) {
  saved_argc = argc;
  saved_argv = argv;
}

void require_systemc() {
  if (saved_argv == nullptr || saved_argc < 2) missed_require("a SystemC run");
  exec_beside_self("ccsim-systemc", saved_argv, saved_argv[1]);
}

void use_rtl_array(hw::AcceleratorConfig& /*config*/) { missed_require("--rtl array"); }
void use_rtl_output(hw::AcceleratorConfig& /*config*/) { missed_require("--rtl output"); }
void use_rtl_feeder(hw::AcceleratorConfig& /*config*/, const model::PackedNetwork& /*net*/) { missed_require("--rtl feeder"); }
void use_rtl_tile(hw::AcceleratorConfig& /*config*/, const model::PackedNetwork& /*net*/, const cosim::RtlTileTrace& /*waveform*/) {
  missed_require("--rtl tile");
}
void use_rtl_vector(hw::AcceleratorConfig& /*config*/, const model::PackedNetwork& /*net*/, const model::Int8Tensor& /*input*/) {
  missed_require("--rtl vector");
}

std::vector<hw::NetworkRun> run_cycle_mode(const model::PackedNetwork& /*net*/, const std::vector<model::Int8Tensor>& /*inputs*/,
                                           const hw::AcceleratorConfig& /*config*/, const hw::TraceOptions& /*trace*/,
                                           RtlCheck* /*rtl*/) {
  missed_require("--mode cycle");
}

std::vector<hw::NetworkRun> run_tlm_mode(const TlmRunOptions& /*options*/, const model::PackedNetwork& /*net*/,
                                         const std::vector<model::Int8Tensor>& /*inputs*/, const hw::AcceleratorConfig& /*config*/,
                                         nlohmann::json& /*tlm_report*/, RtlCheck& /*rtl*/) {
  missed_require("--tlm");
}

// `ccsim cosim` is listed here with its description and run by ccsim-systemc, which parses its
// options (its --help included).
void add_cosim_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("cosim", kCosimDescription);
  cmd->prefix_command();
  cmd->set_help_flag();
  cmd->callback([] { require_systemc(); });
}

}  // namespace ccsim::cli
