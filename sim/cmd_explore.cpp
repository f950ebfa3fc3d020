#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "models/atomic_file.hpp"
#include "sim/cli_checks.hpp"
#include "sim/commands.hpp"
#include "sim/explore.hpp"
#include "sim/progress_bar.hpp"

namespace ccsim::cli {
namespace {

struct ExploreArgs {
  std::string sweep;
  std::string output;
  std::string json;
  std::string shard;
  std::string compute_reports;
  std::int64_t point = -1;
  int threads = 0;
  bool quiet = false;
};

// Rows of a results CSV by point id (the header line separately). A missing file has none.
std::map<std::int64_t, std::string> read_rows(const std::string& path, std::string& header) {
  std::map<std::int64_t, std::string> rows;
  std::ifstream in(path);
  if (!in) return rows;
  std::string line;
  if (!std::getline(in, header)) return rows;
  if (header.rfind("point,", 0) != 0) throw std::invalid_argument(path + ": not a ccsim explore results file");
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto comma = line.find(',');
    try {
      rows[std::stoll(line.substr(0, comma))] = line;
    } catch (const std::exception&) {
      throw std::invalid_argument(path + ": bad row '" + line.substr(0, 40) + "'");
    }
  }
  return rows;
}

std::pair<int, int> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  try {
    if (slash == std::string::npos) throw std::invalid_argument("");
    const int k = std::stoi(text.substr(0, slash));
    const int n = std::stoi(text.substr(slash + 1));
    if (n < 1 || k < 0 || k >= n) throw std::invalid_argument("");
    return {k, n};
  } catch (const std::exception&) {
    throw std::invalid_argument("--shard '" + text + "' must be K/N with 0 <= K < N");
  }
}

void write_results(const std::string& path, const std::string& header, const std::map<std::int64_t, std::string>& rows) {
  std::string text = header + "\n";
  for (const auto& [id, line] : rows) text += line + "\n";
  write_file_atomic(path, text);
}

void explore_command(const ExploreArgs& a) {
  const Sweep sweep = load_sweep(a.sweep);
  if (!a.compute_reports.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(a.compute_reports, ec);
    if (ec || !std::filesystem::is_directory(a.compute_reports)) {
      throw std::invalid_argument("--compute-reports " + a.compute_reports + ": cannot create the directory");
    }
  }
  std::vector<SweepPoint> selected;
  if (a.point >= 0) {  // one point, reproduced alone
    if (a.point >= static_cast<std::int64_t>(sweep.points.size())) {
      throw std::invalid_argument("--point " + std::to_string(a.point) + ": the sweep has " +
                                  std::to_string(sweep.points.size()) + " points");
    }
    evaluate_points(sweep, {sweep.points[a.point]}, a.threads, [](const Row& row) { std::cout << row_json(row).dump(2) << "\n"; }, a.compute_reports);
    return;
  }
  if (a.output.empty()) throw std::invalid_argument("explore needs -o RESULTS.csv (or --point ID)");
  int shard = 0, shards = 1;
  if (!a.shard.empty()) std::tie(shard, shards) = parse_shard(a.shard);
  // Resume: points already in the output or in the journal of an interrupted run are kept.
  const std::string journal = a.output + ".partial";
  std::string header;
  auto done = read_rows(a.output, header);
  std::string journal_header;
  for (auto& [id, line] : read_rows(journal, journal_header)) done[id] = line;
  if (header.empty()) header = journal_header;
  std::string expected;
  for (const auto& c : result_columns()) expected += (expected.empty() ? "" : ",") + c;
  for (const auto& [file, h] : {std::pair{a.output, header}, std::pair{journal, journal_header}}) {
    if (!h.empty() && h != expected) {
      throw std::invalid_argument(file + ": its columns differ from this ccsim's (an older version's results?); "
                                  "move it away or choose another -o");
    }
  }
  for (const auto& p : sweep.points) {
    if (p.id % shards == shard && !done.count(p.id)) selected.push_back(p);
  }
  std::int64_t in_shard = 0;
  for (const auto& p : sweep.points) in_shard += p.id % shards == shard;
  if (!a.quiet) {
    std::cerr << "explore: " << sweep.points.size() << " points in the sweep, " << in_shard << " in this shard, "
              << in_shard - static_cast<std::int64_t>(selected.size()) << " already done\n";
  }
  std::ofstream log(journal, std::ios::app);
  if (!log) throw std::runtime_error(journal + ": cannot write");
  const bool journal_empty = journal_header.empty();
  ProgressBar bar(static_cast<std::int64_t>(selected.size()), "points", std::cerr);
  const auto t0 = std::chrono::steady_clock::now();
  evaluate_points(sweep, selected, a.threads, [&](const Row& row) {
    if (header.empty()) header = csv_header(row);
    if (journal_empty && log.tellp() == 0) log << header << "\n";
    const std::string line = csv_line(row);
    log << line << "\n" << std::flush;  // survives an interruption
    done[std::stoll(row.front().second)] = line;
    if (!a.quiet) bar.tick();
  }, a.compute_reports);
  if (!a.quiet) bar.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  log.close();
  if (header.empty()) throw std::invalid_argument(a.sweep + ": no points to evaluate");
  std::map<std::int64_t, std::string> mine;
  for (const auto& [id, line] : done) {
    if (id % shards == shard) mine[id] = line;
  }
  write_results(a.output, header, mine);
  std::remove(journal.c_str());
  if (!a.json.empty()) {
    // Re-read through the CSV so both outputs hold the same rows.
    nlohmann::json rows = nlohmann::json::array();
    std::vector<std::string> names;
    std::stringstream hs(header);
    for (std::string n; std::getline(hs, n, ',');) names.push_back(n);
    for (const auto& [id, line] : mine) {
      Row row;
      std::size_t i = 0;
      std::string cell;
      bool quoted = false;
      for (std::size_t k = 0; k <= line.size(); ++k) {
        const char c = k < line.size() ? line[k] : ',';
        if (c == '"') {
          quoted = !quoted;
        } else if (c == ',' && !quoted) {
          row.emplace_back(i < names.size() ? names[i] : "col" + std::to_string(i), cell);
          ++i;
          cell.clear();
        } else {
          cell += c;
        }
      }
      rows.push_back(row_json(row));
    }
    write_file_atomic(a.json, rows.dump(2) + "\n");
  }
  if (!a.quiet) {
    std::cerr << "explore: " << selected.size() << " points in " << seconds << " s ("
              << (seconds > 0 ? static_cast<double>(selected.size()) / seconds : 0.0) << " points/s); " << a.output << "\n";
  }
}

void merge_command(const std::vector<std::string>& inputs, const std::string& output) {
  std::string header;
  std::map<std::int64_t, std::string> rows;
  for (const auto& in : inputs) {
    std::string h;
    const auto r = read_rows(in, h);
    if (h.empty()) throw std::invalid_argument(in + ": no results (missing or empty file)");
    if (header.empty()) header = h;
    if (h != header) throw std::invalid_argument(in + ": columns differ from " + inputs.front() + "'s");
    for (const auto& [id, line] : r) {
      const auto it = rows.find(id);
      if (it != rows.end() && it->second != line) {
        throw std::invalid_argument(in + ": point " + std::to_string(id) + " differs from another shard's");
      }
      rows[id] = line;
    }
  }
  write_results(output, header, rows);
  std::cout << "merged " << rows.size() << " points from " << inputs.size() << " files into " << output << "\n";
}

}  // namespace

void add_explore_command(CLI::App& app) {
  auto a = std::make_shared<ExploreArgs>();
  auto* cmd = app.add_subcommand("explore", "Sweep accelerator and sparsity settings with the fast model");
  cmd->add_option("SWEEP", a->sweep, "sweep description (JSON)")->required();
  cmd->add_option("-o,--output", a->output, "results (CSV, one row per point; resumed if it or its .partial exists)");
  cmd->add_option("--json", a->json, "the same results as JSON");
  cmd->add_option("--shard", a->shard, "run only points with id % N == K (K/N)");
  cmd->add_option("--compute-reports", a->compute_reports,
                  "also write each point's per-layer SCALE-Sim COMPUTE_REPORT.csv as DIR/point-ID.csv");
  cmd->add_option("--point", a->point, "evaluate one point (by id) alone and print it");
  cmd->add_option("--threads", a->threads, "worker threads (0 = all cores)")->check(kNonNegative);
  cmd->add_flag("--quiet", a->quiet, "no progress bar");
  cmd->callback([a] { explore_command(*a); });

  auto inputs = std::make_shared<std::vector<std::string>>();
  auto output = std::make_shared<std::string>();
  auto* merge = app.add_subcommand("merge", "Join explore results of several shards into one CSV");
  merge->add_option("INPUTS", *inputs, "results files of the shards")->required();
  merge->add_option("-o,--output", *output, "merged results (CSV)")->required();
  merge->callback([inputs, output] { merge_command(*inputs, *output); });
}

}  // namespace ccsim::cli
