// ccsim: column-combining accelerator co-simulation platform, command-line entry point.
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "sim/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"ccsim: co-simulation platform for column-combined sparse CNN accelerators"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ccsim 0.1.0");
  ccsim::cli::add_pack_command(app);
  ccsim::cli::add_inspect_command(app);
  ccsim::cli::add_golden_command(app);
  ccsim::cli::add_train_command(app);
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
