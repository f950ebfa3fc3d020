// ccsim: column-combining accelerator co-simulation platform, command-line entry point.
#include <cstdlib>
#include <string>

#include <CLI/CLI.hpp>

#include "sim/cli_main.hpp"
#include "sim/commands.hpp"
#include "sim/exec_beside.hpp"

namespace {

constexpr const char* kTrainDescription =
    "Train, combine, prune and retrain a shift network on Fashion-MNIST (libtorch; run by ccsim-train)";

}  // namespace

int main(int argc, char** argv) {
  // Training is the only command that needs libtorch, whose start-up alone takes about a second
  // of CPU; it lives in ccsim-train, which `ccsim train` becomes (same arguments).
  if (argc >= 2 && std::string(argv[1]) == "train") ccsim::cli::exec_beside_self("ccsim-train", argv, "train");
  ccsim::cli::remember_command_line(argc, argv);
  setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);  // keep the tool's output to its own
  CLI::App app{"ccsim: co-simulation platform for column-combined sparse CNN accelerators"};
  app.name("ccsim");  // ccsim-systemc prints the same usage
  app.require_subcommand(1);
  app.set_version_flag("--version", "ccsim 0.1.0");
  ccsim::cli::add_pack_command(app);
  ccsim::cli::add_inspect_command(app);
  ccsim::cli::add_golden_command(app);
  app.add_subcommand("train", kTrainDescription)->allow_extras();  // listed here, run by ccsim-train
  ccsim::cli::add_run_command(app);
  ccsim::cli::add_cosim_command(app);
  ccsim::cli::add_explore_command(app);
  ccsim::cli::add_report_command(app);
  ccsim::cli::add_storage_command(app);
  return ccsim::cli::parse_and_run(app, argc, argv);
}
