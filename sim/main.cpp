// ccsim: column-combining accelerator co-simulation platform, command-line entry point.
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iostream>

#include <string>

#include <CLI/CLI.hpp>

#include "sim/cli_main.hpp"
#include "sim/commands.hpp"

// libsystemc refers to sc_main from its own main(); ccsim has its own main() and starts the
// SystemC kernel only inside `ccsim run`, so this entry is never used.
extern "C" int sc_main(int /*argc*/, char** /*argv*/) {
  std::cerr << "ccsim: sc_main is not an entry point of this program\n";
  return 2;
}

namespace {

constexpr const char* kTrainDescription =
    "Train, combine, prune and retrain a shift network on Fashion-MNIST (libtorch; run by ccsim-train)";

// Training is the only command that needs libtorch, whose start-up alone takes about a second of
// CPU; it lives in ccsim-train beside this program, which `ccsim train` becomes (same arguments).
[[noreturn]] void exec_train(char** argv) {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::string trainer = (ec ? std::filesystem::path(argv[0]) : self).parent_path() / "ccsim-train";
  argv[0] = const_cast<char*>(trainer.c_str());
  execv(trainer.c_str(), argv);
  std::cerr << "ccsim: error: `ccsim train` runs " << trainer << ", which could not be started: "
            << std::strerror(errno) << " (it is built and installed beside ccsim)\n";
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "train") exec_train(argv);
  setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);  // keep the tool's output to its own
  CLI::App app{"ccsim: co-simulation platform for column-combined sparse CNN accelerators"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ccsim 0.1.0");
  ccsim::cli::add_pack_command(app);
  ccsim::cli::add_inspect_command(app);
  ccsim::cli::add_golden_command(app);
  app.add_subcommand("train", kTrainDescription)->allow_extras();  // listed here, run by exec_train
  ccsim::cli::add_run_command(app);
  ccsim::cli::add_cosim_command(app);
  ccsim::cli::add_explore_command(app);
  ccsim::cli::add_report_command(app);
  return ccsim::cli::parse_and_run(app, argc, argv);
}
