// ccsim-train: `ccsim train` in an executable of its own, the only one that links libtorch, so the
// other commands start without loading it. `ccsim train ARGS` runs this program with the same
// arguments (sim/main.cpp); run directly, it takes them the same way: ccsim-train train ARGS.
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "sim/cli_main.hpp"
#include "sim/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"ccsim train: the training part of ccsim (libtorch)", "ccsim"};
  app.require_subcommand(1);
  ccsim::cli::add_train_command(app);
  return ccsim::cli::parse_and_run(app, argc, argv);
}
