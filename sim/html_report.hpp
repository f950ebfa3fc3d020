// `ccsim report`: one self-contained HTML file (styles, data and Chart.js inline, nothing fetched)
// of an explore sweep (RESULTS.csv) or of one run (run --report R.json).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ccsim::cli {

// A sweep's results: the CSV's header and rows, as `explore` writes them.
struct SweepTable {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};

// Reads an explore results CSV; std::invalid_argument naming the file and line when it is not one.
SweepTable read_sweep_table(const std::string& path);

// Chart.js (Debian's libjs-chart.js) as text, to inline: CCSIM_CHART_JS if set, else the packaged
// file. std::runtime_error naming the file and the package when it is missing.
std::string chart_js_source();

// The HTML pages. `source` names the input file in the page; `chart_js` is inlined as it is.
// Sweep: utilization and latency per configuration and array, energy and weight storage split by
// kind, the energy / latency Pareto front over all points, and a table of every row.
std::string sweep_report_html(const std::string& source, const SweepTable& table, const std::string& chart_js);
// Run: the summary, cycles (compute / stall) and utilization per layer, a table of the layers, a
// heatmap of the array's cells per Matmul layer and the multiplexer-select usage (from the
// report's per-layer "array_cells"). std::invalid_argument when `report` is not a run report.
std::string run_report_html(const std::string& source, const nlohmann::json& report, const std::string& chart_js);

// Text safe inside HTML elements and attribute values.
std::string html_escape(const std::string& text);

}  // namespace ccsim::cli
