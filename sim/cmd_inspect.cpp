#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "models/combine_report.hpp"
#include "models/packed_file.hpp"
#include "sim/commands.hpp"

namespace ccsim::cli {

void add_inspect_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("inspect", "Print a packed weight file (.ccpack) as JSON");
  auto file = std::make_shared<std::string>();
  auto summary = std::make_shared<bool>(false);
  cmd->add_option("FILE", *file, "packed weight file")->required();
  cmd->add_flag("--summary", *summary, "omit weights, selects, biases and multipliers; add the combining report");
  cmd->callback([file, summary] {
    const model::PackedNetwork net = model::load_packed(*file);
    nlohmann::json j = model::packed_to_json(net, !*summary);
    if (*summary) j["combining"] = model::combine_report(net);
    std::cout << j.dump(2) << "\n";
  });
}

}  // namespace ccsim::cli
