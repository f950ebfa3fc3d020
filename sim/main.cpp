// ccsim: column-combining accelerator co-simulation platform, command-line entry point.
#include <cstdlib>
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "sim/commands.hpp"

// libsystemc refers to sc_main from its own main(); ccsim has its own main() and starts the
// SystemC kernel only inside `ccsim run`, so this entry is never used.
extern "C" int sc_main(int /*argc*/, char** /*argv*/) {
  std::cerr << "ccsim: sc_main is not an entry point of this program\n";
  return 2;
}

int main(int argc, char** argv) {
  setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);  // keep the tool's output to its own
  CLI::App app{"ccsim: co-simulation platform for column-combined sparse CNN accelerators"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ccsim 0.1.0");
  ccsim::cli::add_pack_command(app);
  ccsim::cli::add_inspect_command(app);
  ccsim::cli::add_golden_command(app);
  ccsim::cli::add_train_command(app);
  ccsim::cli::add_run_command(app);
  ccsim::cli::add_cosim_command(app);
  ccsim::cli::add_explore_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "ccsim: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
