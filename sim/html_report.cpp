#include "sim/html_report.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "sim/explore.hpp"

namespace ccsim::cli {
namespace {

using nlohmann::json;

constexpr const char* kPackagedChartJs = "/usr/share/javascript/chart.js/chart.min.js";

// The sweep's axes as explore writes them: a point's configuration.
const std::vector<std::string> kAxes = {"network",        "scheme",          "density",     "alpha",
                                        "gamma",          "activation_bits", "weight_bits", "array",
                                        "data_bits",      "mac",             "weight_load", "clock_mhz",
                                        "weight_buffer_kib", "act_buffer_kib", "dram_bytes_per_cycle",
                                        "acc_pixels",     "input_store_kib", "vector_lanes", "vector_store_kib",
                                        "schedule"};
// Colours of the data sets, in order (Tableau 10).
const std::vector<std::string> kColours = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                           "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
// Rows shown in the sweep's table; the rest are counted.
constexpr std::size_t kTableRows = 2000;

const std::string& colour(std::size_t i) { return kColours[i % kColours.size()]; }

// A JSON text that can stand inside <script>: no "</" closes the element early.
std::string script_safe(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '<' && i + 1 < text.size() && text[i + 1] == '/') out += "\\";
  }
  return out;
}

std::string number_text(double v, int precision = 4) {
  std::ostringstream o;
  o << std::setprecision(precision) << v;
  return o.str();
}

std::string percent(double fraction) { return number_text(100.0 * fraction, 3) + " %"; }

std::string with_thousands(std::int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<std::size_t>(i), ",");
  return (v < 0 ? "-" : "") + digits;
}

double cell_number(const std::string& text, const std::string& column, std::size_t row) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0') {
    throw std::invalid_argument("row " + std::to_string(row + 2) + ", column '" + column + "': '" + text + "' is not a number");
  }
  return v;
}

// Charts in the order they are added: {"id", "spec"} each.
class Charts {
 public:
  void add(const std::string& id, json spec) { list_.push_back({{"id", id}, {"spec", std::move(spec)}}); }
  const json& list() const { return list_; }
  // The canvases, one per chart.
  std::string divs() const {
    std::string out;
    for (const auto& c : list_) out += "<div class=\"chart\"><canvas id=\"" + c["id"].get<std::string>() + "\"></canvas></div>\n";
    return out;
  }

 private:
  json list_ = json::array();
};

// The page around the sections: styles, Chart.js, the charts' configurations and the code that
// draws them (animation off, so a screenshot shows the finished charts; <body data-charts=N> tells
// a test how many were drawn).
std::string page(const std::string& title, const std::string& source, const std::string& body, const Charts& charts,
                 const std::string& chart_js) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" << html_escape(title)
    << "</title>\n<style>\n"
    << "body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:24px 32px;color:#222;background:#fff}\n"
    << "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}\n"
    << "h3{font-size:14px;margin:12px 0 4px}.source{color:#666;font-size:12px}\n"
    << ".charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:18px}\n"
    << ".chart{border:1px solid #e4e4e4;padding:8px;height:330px}\n"
    << "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:2px 6px;text-align:right}\n"
    << "th{background:#f3f3f3}td.l,th.l{text-align:left}tr.front td{background:#fff3d6}\n"
    << ".summary td:first-child{text-align:left;color:#555}\n"
    << ".heatmaps{display:flex;flex-wrap:wrap;gap:16px}.heatmap{font-size:11px}\n"
    << ".heatmap table{border-collapse:separate;border-spacing:1px;background:#c8c8c8}\n"
    << ".heatmap td{width:12px;height:12px;padding:0;border:0}\n"
    << ".note{color:#555;font-size:12px;max-width:1100px}\n"
    << ".scale span{display:inline-block;width:24px;height:10px;border:1px solid #c8c8c8}\n"
    << "</style>\n</head>\n<body>\n<h1>" << html_escape(title) << "</h1>\n<div class=\"source\">from "
    << html_escape(source) << " &middot; ccsim report</div>\n"
    << body << "\n<script>\n";
  std::string js = chart_js;
  for (std::size_t at = 0; (at = js.find("</script", at)) != std::string::npos; at += 2) js.insert(at + 1, "\\");
  o << js << "\n</script>\n<script>\nconst CHARTS = " << script_safe(charts.list().dump()) << ";\n"
    << "let drawn = 0;\n"
    << "for (const {id, spec} of CHARTS) {\n"
    << "  spec.options = spec.options || {};\n"
    << "  spec.options.animation = false;\n"
    << "  spec.options.maintainAspectRatio = false;\n"
    << "  if (spec.pointLabels) {\n"
    << "    spec.options.plugins = spec.options.plugins || {};\n"
    << "    spec.options.plugins.tooltip = {callbacks: {label: (c) => c.raw.label}};\n"
    << "  }\n"
    << "  new Chart(document.getElementById(id), spec);\n"
    << "  ++drawn;\n"
    << "}\n"
    << "document.body.dataset.charts = String(drawn);\n"
    << "</script>\n</body>\n</html>\n";
  return o.str();
}

json axis_title(const std::string& text) { return {{"display", true}, {"text", text}}; }

json chart_options(const std::string& title, const std::string& x, const std::string& y, bool stacked = false) {
  json scales = {{"x", {{"title", axis_title(x)}, {"stacked", stacked}}},
                 {"y", {{"title", axis_title(y)}, {"stacked", stacked}, {"beginAtZero", true}}}};
  return {{"plugins", {{"title", {{"display", true}, {"text", title}, {"font", {{"size", 14}}}}}}}, {"scales", scales}};
}


// ---- sweep ------------------------------------------------------------------------------------

struct SweepView {
  const SweepTable& table;
  std::map<std::string, std::size_t> index;
  std::vector<std::string> varying;  // axes with more than one value

  explicit SweepView(const SweepTable& t) : table(t) {
    for (std::size_t i = 0; i < t.columns.size(); ++i) index[t.columns[i]] = i;
    for (const auto& axis : kAxes) {
      if (!index.count(axis)) continue;
      std::set<std::string> values;
      for (const auto& r : t.rows) values.insert(r[index.at(axis)]);
      if (values.size() > 1) varying.push_back(axis);
    }
  }
  bool has(const std::string& c) const { return index.count(c) > 0; }
  // The column is there with a value in every row (accuracy is empty when the sweep did not ask).
  bool measured(const std::string& c) const {
    return has(c) && std::none_of(table.rows.begin(), table.rows.end(), [&](const auto& r) { return r[index.at(c)].empty(); });
  }
  const std::string& text(std::size_t row, const std::string& c) const {
    const auto it = index.find(c);
    if (it == index.end()) throw std::invalid_argument("no column '" + c + "'");
    return table.rows[row][it->second];
  }
  double number(std::size_t row, const std::string& c) const { return cell_number(text(row, c), c, row); }
  // The row's configuration by its varying axes, leaving out `except` (a network by its file name).
  std::string label(std::size_t row, const std::set<std::string>& except) const {
    std::string out;
    for (const auto& axis : varying) {
      if (except.count(axis)) continue;
      std::string v = text(row, axis);
      if (axis == "network") v = v.substr(v.find_last_of('/') + 1);
      else if (axis != "scheme" && axis != "schedule") v = axis + " " + v;
      out += (out.empty() ? "" : " / ") + v;
    }
    return out.empty() ? "all" : out;
  }
};

std::int64_t array_cells(const std::string& array) {
  const std::size_t x = array.find('x');
  if (x == std::string::npos) return 0;
  return std::atoll(array.substr(0, x).c_str()) * std::atoll(array.substr(x + 1).c_str());
}

// Rows on the energy / latency Pareto front (both minimized), by latency.
std::vector<std::size_t> pareto_front(const std::vector<std::pair<double, double>>& points) {
  std::vector<std::size_t> front;
  for (std::size_t i = 0; i < points.size(); ++i) {
    bool dominated = false;
    for (std::size_t j = 0; j < points.size() && !dominated; ++j) {
      dominated = points[j].first <= points[i].first && points[j].second <= points[i].second && points[j] != points[i];
    }
    if (!dominated) front.push_back(i);
  }
  std::sort(front.begin(), front.end(), [&](std::size_t a, std::size_t b) { return points[a] < points[b]; });
  return front;
}

// One bar per configuration (all axes but the array), one data set per array.
json grouped_bars(const SweepView& v, const std::vector<std::size_t>& rows, const std::set<std::string>& except,
                  const std::string& metric, const std::string& title, const std::string& y) {
  std::vector<std::string> labels, arrays;
  for (const std::size_t r : rows) {
    const std::string l = v.label(r, except);
    if (std::find(labels.begin(), labels.end(), l) == labels.end()) labels.push_back(l);
    const std::string& a = v.text(r, "array");
    if (std::find(arrays.begin(), arrays.end(), a) == arrays.end()) arrays.push_back(a);
  }
  json datasets = json::array();
  for (std::size_t k = 0; k < arrays.size(); ++k) {
    json data = json::array();
    for (const auto& l : labels) {
      const auto it = std::find_if(rows.begin(), rows.end(),
                                   [&](std::size_t r) { return v.text(r, "array") == arrays[k] && v.label(r, except) == l; });
      data.push_back(it == rows.end() ? json(nullptr) : json(v.number(*it, metric)));
    }
    datasets.push_back({{"label", arrays[k]}, {"data", data}, {"backgroundColor", colour(k)}});
  }
  return {{"type", "bar"}, {"data", {{"labels", labels}, {"datasets", datasets}}}, {"options", chart_options(title, "", y)}};
}

// The energy columns a results file has, as chart parts.
std::vector<std::pair<std::string, std::string>> energy_parts(const SweepView& v) {
  std::vector<std::pair<std::string, std::string>> parts;
  for (const auto& [column, name] : std::vector<std::pair<std::string, std::string>>{
           {"energy_compute_uJ", "compute"}, {"energy_clock_uJ", "cell clocking"}, {"energy_static_uJ", "leakage"},
           {"energy_onchip_uJ", "on-chip buffers"}, {"energy_dram_uJ", "DRAM"}}) {
    if (v.has(column)) parts.emplace_back(column, name);
  }
  return parts;
}

// Bars split into parts (stacked), one per row.
json stacked_bars(const SweepView& v, const std::vector<std::size_t>& rows, const std::set<std::string>& except,
                  const std::vector<std::pair<std::string, std::string>>& parts, double scale, const std::string& title,
                  const std::string& y) {
  json labels = json::array();
  for (const std::size_t r : rows) labels.push_back(v.label(r, except));
  json datasets = json::array();
  for (std::size_t k = 0; k < parts.size(); ++k) {
    json data = json::array();
    for (const std::size_t r : rows) data.push_back(v.number(r, parts[k].first) * scale);
    datasets.push_back({{"label", parts[k].second}, {"data", data}, {"backgroundColor", colour(k)}});
  }
  return {{"type", "bar"}, {"data", {{"labels", labels}, {"datasets", datasets}}}, {"options", chart_options(title, "", y, true)}};
}

std::string sweep_summary(const SweepView& v, const std::vector<std::size_t>& front) {
  std::ostringstream o;
  const std::size_t n = v.table.rows.size();
  auto best = [&](const std::string& metric, bool largest) {
    std::size_t b = 0;
    for (std::size_t r = 1; r < n; ++r) {
      const double x = v.number(r, metric), y = v.number(b, metric);
      if (largest ? x > y : x < y) b = r;
    }
    return b;
  };
  o << "<h2>Summary</h2>\n<table class=\"summary\">\n<tr><td>points</td><td class=\"l\">" << n << "</td></tr>\n";
  o << "<tr><td>axes that vary</td><td class=\"l\">";
  for (std::size_t i = 0; i < v.varying.size(); ++i) o << (i ? ", " : "") << html_escape(v.varying[i]);
  o << (v.varying.empty() ? "none" : "") << "</td></tr>\n";
  for (const auto& [metric, largest, what] : std::vector<std::tuple<std::string, bool, std::string>>{
           {"accuracy", true, "highest accuracy (int8, test images)"}, {"utilization", true, "highest utilization"},
           {"latency_us", false, "lowest latency (µs)"},
           {"energy_uJ", false, "lowest energy (µJ)"}, {"area_mm2", false, "smallest area (mm²)"}}) {
    if (!v.measured(metric)) continue;
    const std::size_t b = best(metric, largest);
    o << "<tr><td>" << what << "</td><td class=\"l\">" << html_escape(v.text(b, metric)) << " &mdash; point "
      << html_escape(v.text(b, "point")) << ": " << html_escape(v.label(b, {})) << "</td></tr>\n";
  }
  o << "<tr><td>energy / latency Pareto front</td><td class=\"l\">" << front.size() << " points (marked in the table)</td></tr>\n";
  o << "</table>\n";
  return o.str();
}

std::string sweep_table_html(const SweepView& v, const std::set<std::size_t>& front) {
  std::vector<std::string> columns = {"point"};
  for (const auto& a : v.varying) columns.push_back(a);
  for (const char* c : {"accuracy", "cycles", "latency_us", "utilization", "mapping_efficiency", "energy_uJ", "area_mm2",
                        "nonzeros", "weight_value_bits", "weight_index_bits"}) {
    if (v.has(c) && (std::string(c) != "accuracy" || v.measured(c))) columns.emplace_back(c);
  }
  // Text columns left-aligned, numbers right.
  const auto align = [](const std::string& c) { return c == "point" || c == "network" || c == "scheme" ? " class=\"l\"" : ""; };
  std::ostringstream o;
  o << "<h2>Points</h2>\n<table>\n<tr>";
  for (const auto& c : columns) o << "<th" << align(c) << ">" << html_escape(c) << "</th>";
  o << "</tr>\n";
  const std::size_t shown = std::min(v.table.rows.size(), kTableRows);
  for (std::size_t r = 0; r < shown; ++r) {
    o << "<tr" << (front.count(r) ? " class=\"front\"" : "") << ">";
    for (const auto& c : columns) {
      o << "<td" << align(c) << ">" << html_escape(v.text(r, c)) << "</td>";
    }
    o << "</tr>\n";
  }
  o << "</table>\n";
  if (shown < v.table.rows.size()) {
    o << "<p class=\"note\">The first " << shown << " of " << v.table.rows.size() << " points; the CSV has them all.</p>\n";
  }
  return o.str();
}

// ---- run --------------------------------------------------------------------------------------

std::string heatmap_colour(double fraction) {
  // White (idle) to dark blue (busy in every slot offered).
  const double f = std::clamp(fraction, 0.0, 1.0);
  const int r = static_cast<int>(255 - f * (255 - 8));
  const int g = static_cast<int>(255 - f * (255 - 48));
  const int b = static_cast<int>(255 - f * (255 - 107));
  char text[8];
  std::snprintf(text, sizeof text, "#%02x%02x%02x", r, g, b);
  return text;
}

std::string heatmap_html(const std::string& layer, const json& cells) {
  const int rows = cells.at("rows").get<int>(), cols = cells.at("cols").get<int>();
  const double offered = cells.at("slots_per_cell").get<double>();
  const json& busy = cells.at("busy_slots");
  double sum = 0;
  for (const auto& row : busy) {
    for (const auto& c : row) sum += c.get<double>();
  }
  std::ostringstream o;
  o << "<div class=\"heatmap\"><h3>" << html_escape(layer) << "</h3><table>\n";
  for (int r = 0; r < rows; ++r) {
    o << "<tr>";
    for (int c = 0; c < cols; ++c) {
      const double f = offered > 0 ? busy.at(r).at(c).get<double>() / offered : 0.0;
      o << "<td style=\"background:" << heatmap_colour(f) << "\" title=\"cell (" << r << ", " << c << "): " << percent(f)
        << "\"></td>";
    }
    o << "</tr>\n";
  }
  o << "</table>" << percent(offered > 0 ? sum / (offered * rows * cols) : 0.0) << " of " << rows << "&times;" << cols
    << " cells' slots</div>\n";
  return o.str();
}

double energy_total_uJ(const json& report, const char* key) {
  return report.contains(key) ? report[key].value("total_pJ", 0.0) * 1e-6 : 0.0;
}

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

SweepTable read_sweep_table(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument(path + ": cannot read the file");
  SweepTable t;
  std::string line;
  if (!std::getline(in, line) || line.rfind("point,", 0) != 0) {
    throw std::invalid_argument(path + ": not a ccsim explore results file (its header does not start with 'point,')");
  }
  t.columns = csv_cells(line);
  for (std::size_t number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    auto cells = csv_cells(line);
    if (cells.size() != t.columns.size()) {
      throw std::invalid_argument(path + ":" + std::to_string(number) + ": " + std::to_string(cells.size()) +
                                  " fields, the header has " + std::to_string(t.columns.size()));
    }
    t.rows.push_back(std::move(cells));
  }
  if (t.rows.empty()) throw std::invalid_argument(path + ": no points (a header alone)");
  for (const char* needed : {"array", "cycles", "latency_us", "utilization", "energy_uJ"}) {
    if (std::find(t.columns.begin(), t.columns.end(), needed) == t.columns.end()) {
      throw std::invalid_argument(path + ": no column '" + needed + "' (not a ccsim explore results file?)");
    }
  }
  return t;
}

std::string chart_js_source() {
  const char* env = std::getenv("CCSIM_CHART_JS");
  const std::string path = env && *env ? env : kPackagedChartJs;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error(path + ": cannot read Chart.js, which the report inlines (Debian package libjs-chart.js; "
                             "scripts/install-deps.sh installs it)");
  }
  std::ostringstream o;
  o << in.rdbuf();
  return o.str();
}

std::string sweep_report_html(const std::string& source, const SweepTable& table, const std::string& chart_js) {
  const SweepView v(table);
  std::vector<std::size_t> all(table.rows.size());
  for (std::size_t r = 0; r < all.size(); ++r) all[r] = r;
  // Bars compare configurations on one schedule (the shared array when the sweep has both).
  std::vector<std::size_t> one_schedule = all;
  if (v.has("schedule")) {
    const std::string first = v.text(0, "schedule");
    const bool has_shared = std::any_of(all.begin(), all.end(), [&](std::size_t r) { return v.text(r, "schedule") == "shared"; });
    const std::string keep = has_shared ? "shared" : first;
    one_schedule.erase(std::remove_if(one_schedule.begin(), one_schedule.end(),
                                      [&](std::size_t r) { return v.text(r, "schedule") != keep; }),
                       one_schedule.end());
  }
  // Energy and storage on the largest array.
  std::string largest = v.text(one_schedule.front(), "array");
  for (const std::size_t r : one_schedule) {
    if (array_cells(v.text(r, "array")) > array_cells(largest)) largest = v.text(r, "array");
  }
  std::vector<std::size_t> on_largest;
  for (const std::size_t r : one_schedule) {
    if (v.text(r, "array") == largest) on_largest.push_back(r);
  }
  std::vector<std::pair<double, double>> points;
  for (const std::size_t r : all) points.emplace_back(v.number(r, "latency_us"), v.number(r, "energy_uJ"));
  const std::vector<std::size_t> front = pareto_front(points);

  Charts charts;
  const std::string schedule_note = v.has("schedule") && one_schedule.size() < all.size()
                                        ? ", schedule " + v.text(one_schedule.front(), "schedule") : "";
  // Bars name a configuration by the axes that vary, but for the array (the bars' colour) and the
  // schedule when one is shown.
  std::set<std::string> not_in_label = {"array"};
  if (!schedule_note.empty()) not_in_label.insert("schedule");
  charts.add("utilization", grouped_bars(v, one_schedule, not_in_label, "utilization", "utilization per configuration and array" + schedule_note,
                                         "busy MAC slots / slots"));
  charts.add("latency", grouped_bars(v, one_schedule, not_in_label, "latency_us", "latency per inference" + schedule_note, "µs"));
  if (v.has("energy_compute_uJ") && v.has("energy_onchip_uJ") && v.has("energy_dram_uJ")) {
    charts.add("energy", stacked_bars(v, on_largest, not_in_label,
                                    energy_parts(v),
                                    1.0, "energy per inference, " + largest + " array" + schedule_note, "µJ"));
  }
  if (v.has("weight_value_bits") && v.has("weight_index_bits")) {
    charts.add("storage", stacked_bars(v, on_largest, not_in_label, {{"weight_value_bits", "values"}, {"weight_index_bits", "index"}},
                                       1.0 / 8192, "weight storage, " + largest + " array" + schedule_note, "KiB"));
  }
  json scatter = json::array(), line = json::array();
  for (std::size_t i = 0; i < points.size(); ++i) {
    scatter.push_back({{"x", points[i].first}, {"y", points[i].second},
                       {"label", "point " + v.text(i, "point") + ": " + v.label(i, {}) + " (" + number_text(points[i].first) +
                                     " µs, " + number_text(points[i].second) + " µJ)"}});
  }
  for (const std::size_t i : front) line.push_back(scatter[i]);
  json pareto_options = chart_options("energy / latency, all " + std::to_string(points.size()) + " points", "latency (µs)", "energy (µJ)");
  pareto_options["scales"]["x"]["type"] = "linear";
  pareto_options["scales"]["x"]["beginAtZero"] = false;
  pareto_options["scales"]["y"]["beginAtZero"] = false;
  charts.add("pareto", {{"type", "scatter"},
                      {"pointLabels", true},
                      {"data", {{"datasets", {{{"label", "Pareto front"}, {"data", line}, {"showLine", true}, {"borderColor", kColours[2]},
                                               {"backgroundColor", kColours[2]}, {"pointRadius", 5}},
                                              {{"label", "points"}, {"data", scatter}, {"backgroundColor", "#999999"}, {"pointRadius", 3}}}}}},
                      {"options", pareto_options}});

  std::ostringstream body;
  body << sweep_summary(v, front) << "<h2>Charts</h2>\n<div class=\"charts\">\n" << charts.divs();
  body << "</div>\n<p class=\"note\">Bars: one per configuration (the axes that vary, the array apart)"
       << (schedule_note.empty() ? "" : "; the other schedule's points are in the front and the table")
       << ". Hover a point of the front for its configuration.</p>\n";
  body << sweep_table_html(v, std::set<std::size_t>(front.begin(), front.end()));
  return page("ccsim sweep: " + std::to_string(table.rows.size()) + " points", source, body.str(), charts, chart_js);
}

std::string run_report_html(const std::string& source, const json& report, const std::string& chart_js) {
  if (!report.is_object() || !report.contains("layers") || !report.contains("per_inference") || !report["layers"].is_array()) {
    throw std::invalid_argument(source + ": not a ccsim run report (no 'layers' / 'per_inference'; write one with run --report)");
  }
  const json& layers = report["layers"];
  const json& array = report.value("array", json::object());
  std::ostringstream body;
  body << "<h2>Summary</h2>\n<table class=\"summary\">\n";
  auto row = [&](const std::string& k, const std::string& v) {
    body << "<tr><td>" << html_escape(k) << "</td><td class=\"l\">" << html_escape(v) << "</td></tr>\n";
  };
  row("network", report.value("network", "?"));
  row("mode", report.value("mode", "?"));
  if (array.contains("rows")) {
    row("array", std::to_string(array["rows"].get<int>()) + " x " + std::to_string(array["cols"].get<int>()) + ", " +
                     std::to_string(array.value("data_bits", 8)) + "-bit " + array.value("mac", std::string("serial")) +
                     " cells, α ≤ " + std::to_string(array.value("alpha_max", 8)) +
                     (array.value("shadow_weights", true) ? "" : ", weight loads exposed"));
  }
  row("samples", std::to_string(report.value("samples", 0)));
  row("cycles per inference", with_thousands(report.value("cycles_per_inference", std::int64_t{0})));
  row("latency (cycles)", with_thousands(report.value("latency_cycles", std::int64_t{0})));
  row("utilization (busy MAC slots / slots)", percent(report.value("utilization", 0.0)));
  if (report.contains("energy_first_inference")) {
    row("energy, first / last inference (µJ)", number_text(energy_total_uJ(report, "energy_first_inference")) + " / " +
                                                   number_text(energy_total_uJ(report, "energy_last_inference")));
  }
  if (report.contains("area")) row("area (mm²)", number_text(report["area"].value("total_mm2", 0.0)));
  if (report.contains("accuracy")) row("accuracy", percent(report["accuracy"].get<double>()));
  row("golden check", report.value("golden_check", "?"));
  body << "</table>\n";

  json names = json::array(), compute = json::array(), stall = json::array(), util = json::array();
  json matmul_names = json::array();
  std::vector<json> selects;
  std::size_t widest_select = 0;
  for (const auto& l : layers) {
    names.push_back(l.value("name", "?"));
    const auto cycles = l.value("cycles", std::int64_t{0}), stalls = l.value("stall_cycles", std::int64_t{0});
    compute.push_back(cycles - stalls);
    stall.push_back(stalls);
    util.push_back(l.value("mac_slots", std::int64_t{0}) > 0 ? json(l.value("utilization", 0.0)) : json(nullptr));
    if (l.contains("array_cells")) {
      matmul_names.push_back(l.value("name", "?"));
      selects.push_back(l["array_cells"].at("select_counts"));
      widest_select = std::max(widest_select, selects.back().size());
    }
  }
  Charts charts;
  charts.add("layer_cycles", {{"type", "bar"},
                            {"data", {{"labels", names},
                                      {"datasets", {{{"label", "computing"}, {"data", compute}, {"backgroundColor", kColours[0]}},
                                                    {{"label", "stalled (loads, DMA)"}, {"data", stall}, {"backgroundColor", kColours[2]}}}}}},
                            {"options", chart_options("cycles per layer, first inference", "", "cycles", true)}});
  json util_options = chart_options("utilization per layer (array layers)", "", "busy MAC slots / slots");
  util_options["scales"]["y"]["max"] = 1;
  charts.add("layer_utilization", {{"type", "bar"},
                                 {"data", {{"labels", names}, {"datasets", {{{"label", "utilization"}, {"data", util},
                                                                             {"backgroundColor", kColours[4]}}}}}},
                                 {"options", util_options}});
  if (!selects.empty()) {
    json datasets = json::array();
    for (std::size_t k = 0; k < widest_select; ++k) {
      json data = json::array();
      for (const auto& s : selects) {
        double total = 0;
        for (const auto& c : s) total += c.get<double>();
        data.push_back(k < s.size() && total > 0 ? s[k].get<double>() / total : 0.0);
      }
      datasets.push_back({{"label", "input " + std::to_string(k)}, {"data", data}, {"backgroundColor", colour(k)}});
    }
    json options = chart_options("multiplexer select: share of non-zero weights per input of their group", "", "share", true);
    options["scales"]["y"]["max"] = 1;
    charts.add("mux_select", {{"type", "bar"}, {"data", {{"labels", matmul_names}, {"datasets", datasets}}}, {"options", options}});
  }
  body << "<h2>Layers</h2>\n<div class=\"charts\">\n" << charts.divs() << "</div>\n<table>\n<tr><th class=\"l\">layer</th><th class=\"l\">op</th><th>cycles</th><th>stall</th><th>tiles</th>"
       << "<th>utilization</th><th>weight loads</th><th>DRAM read B</th><th>DRAM write B</th></tr>\n";
  for (const auto& l : layers) {
    body << "<tr><td class=\"l\">" << html_escape(l.value("name", "?")) << "</td><td class=\"l\">" << html_escape(l.value("op", "?"))
         << "</td><td>" << with_thousands(l.value("cycles", std::int64_t{0})) << "</td><td>"
         << with_thousands(l.value("stall_cycles", std::int64_t{0})) << "</td><td>" << l.value("tiles", std::int64_t{0}) << "</td><td>"
         << (l.value("mac_slots", std::int64_t{0}) > 0 ? percent(l.value("utilization", 0.0)) : "&ndash;") << "</td><td>"
         << with_thousands(l.value("weight_loads", std::int64_t{0})) << "</td><td>"
         << with_thousands(l.value("dram_read_bytes", std::int64_t{0})) << "</td><td>"
         << with_thousands(l.value("dram_write_bytes", std::int64_t{0})) << "</td></tr>\n";
  }
  body << "</table>\n<h2>Array cells</h2>\n";
  if (selects.empty()) {
    body << "<p class=\"note\">This report has no per-cell data (it predates it, or no layer runs on the array): "
            "write it again with <code>ccsim run --report</code>.</p>\n";
  } else {
    body << "<p class=\"note\">Per array layer, each cell's share of the MAC slots it is offered (tiles &times; output pixels) in "
            "which it holds a non-zero weight: cell (r, c) of a tile holds filter row r and packed column c of it, so "
            "idle columns are the last column tile's unused ones and idle cells are weights pruned or never combined. "
            "<span class=\"scale\">0 %<span style=\"background:"
         << heatmap_colour(0) << "\"></span><span style=\"background:" << heatmap_colour(0.5)
         << "\"></span><span style=\"background:" << heatmap_colour(1) << "\"></span>100 %</span></p>\n<div class=\"heatmaps\">\n";
    for (const auto& l : layers) {
      if (l.contains("array_cells")) body << heatmap_html(l.value("name", "?"), l["array_cells"]);
    }
    body << "</div>\n";
  }
  return page("ccsim run: " + report.value("network", std::string("?")), source, body.str(), charts, chart_js);
}

}  // namespace ccsim::cli
