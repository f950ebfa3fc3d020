// Subcommands of the ccsim tool. Each registers itself on the app; its callback throws
// std::runtime_error / std::invalid_argument with a message naming the file or flag at fault.
#pragma once

namespace CLI {
class App;
}

namespace ccsim::cli {

inline constexpr const char* kCosimDescription =
    "Co-simulate the Verilated RTL tile and the SystemC cycle model, cycle by cycle";

void add_pack_command(CLI::App& app);
void add_inspect_command(CLI::App& app);
void add_golden_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_run_command(CLI::App& app);
void add_cosim_command(CLI::App& app);
void add_explore_command(CLI::App& app);
void add_report_command(CLI::App& app);
void add_storage_command(CLI::App& app);

}  // namespace ccsim::cli
