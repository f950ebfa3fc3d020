// ccsim report: an explore results CSV or a run report (JSON) as one self-contained HTML page.
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "models/atomic_file.hpp"
#include "sim/commands.hpp"
#include "sim/html_report.hpp"

namespace ccsim::cli {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument(path + ": cannot read the file");
  std::ostringstream o;
  o << in.rdbuf();
  return o.str();
}

void report_command(const std::string& input, const std::string& output) {
  const std::string text = read_text(input);
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  std::string html;
  if (first != std::string::npos && text[first] == '{') {
    nlohmann::json report;
    try {
      report = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      throw std::invalid_argument(input + ": not valid JSON (" + e.what() + ")");
    }
    html = run_report_html(input, report, chart_js_source());
  } else if (first != std::string::npos && text[first] == '[') {
    throw std::invalid_argument(input + ": this is explore --json output; give the sweep's results CSV (explore -o)");
  } else {
    html = sweep_report_html(input, read_sweep_table(input), chart_js_source());
  }
  write_file_atomic(output, html);
  std::cout << "report: " << output << " (" << html.size() / 1024 << " KiB, self-contained)\n";
}

}  // namespace

void add_report_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("report", "Write an explore results CSV or a run report (JSON) as one self-contained HTML page");
  auto input = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  cmd->add_option("INPUT", *input, "explore results (RESULTS.csv) or run --report R.json")->required();
  cmd->add_option("-o,--output", *output, "the HTML file")->required();
  cmd->callback([input, output] { report_command(*input, *output); });
}

}  // namespace ccsim::cli
