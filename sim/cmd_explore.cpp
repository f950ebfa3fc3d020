#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
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

std::string expected_header() {
  std::string h;
  for (const auto& c : result_columns()) h += (h.empty() ? "" : ",") + c;
  return h;
}

// A result row's point id if the row is well formed: as many cells as the header, the first a
// point id. Otherwise throws std::invalid_argument saying what is wrong.
std::int64_t checked_row(const std::string& line, std::size_t columns) {
  const std::vector<std::string> cells = csv_cells(line);
  if (cells.size() != columns) {
    throw std::invalid_argument("has " + std::to_string(cells.size()) + " fields, the header " + std::to_string(columns));
  }
  std::size_t used = 0;
  std::int64_t id = -1;
  try {
    id = std::stoll(cells[0], &used);
  } catch (const std::exception&) {
  }
  if (id < 0 || used != cells[0].size()) throw std::invalid_argument("point id '" + cells[0] + "' is not a number");
  return id;
}

std::size_t column_count(const std::string& header) { return csv_cells(header).size(); }

// Rows of a results CSV by point id (the header line separately). A missing file has none; a
// malformed row is an error naming file and line.
std::map<std::int64_t, std::string> read_rows(const std::string& path, std::string& header) {
  std::map<std::int64_t, std::string> rows;
  std::ifstream in(path);
  if (!in) return rows;
  std::string line;
  if (!std::getline(in, header)) return rows;
  if (header.rfind("point,", 0) != 0) throw std::invalid_argument(path + ": not a ccsim explore results file");
  const std::size_t columns = column_count(header);
  for (std::size_t number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    try {
      const std::int64_t id = checked_row(line, columns);
      if (!rows.emplace(id, line).second) throw std::invalid_argument("point " + std::to_string(id) + " appears twice");
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(path + ":" + std::to_string(number) + ": malformed row (" + e.what() + ")");
    }
  }
  return rows;
}

// The journal of an interrupted run, locked for this run and appended to one whole line per
// write. Lines that do not check out (torn by the interruption, garbled) are dropped with a note
// on stderr, and their points evaluated again.
class Journal {
 public:
  Journal(std::string path, bool quiet) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (fd_ < 0) throw std::runtime_error(path_ + ": cannot open the journal: " + std::strerror(errno));
    try {
      if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        throw std::runtime_error(path_ + ": another ccsim explore is writing these results (its journal is locked); "
                                 "wait for it or choose another -o");
      }
      read(quiet);
    } catch (...) {
      ::close(fd_);
      throw;
    }
  }
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  ~Journal() {
    if (fd_ < 0) return;
    struct stat st {};
    if (!finished_ && ::fstat(fd_, &st) == 0 && st.st_size == 0) ::unlink(path_.c_str());  // nothing to resume
    ::close(fd_);
  }

  const std::string& header() const { return header_; }
  const std::map<std::int64_t, std::string>& rows() const { return rows_; }

  void append(const std::string& csv) {
    const std::string line = journal_line(csv) + "\n";
    if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      throw std::runtime_error(path_ + ": journal write failed: " + std::strerror(errno));
    }
  }
  void append_header(const std::string& header) {
    if (header_.empty()) {
      append(header);
      header_ = header;
    }
  }
  // The results are in place: the journal goes.
  void finish() {
    ::unlink(path_.c_str());
    finished_ = true;
  }

 private:
  void read(bool quiet) {
    std::ifstream in(path_);
    std::string line;
    std::size_t dropped = 0;
    std::size_t columns = 0;
    for (std::size_t number = 1; std::getline(in, line); ++number) {
      const std::optional<std::string> csv = journal_row(line);
      if (header_.empty()) {
        if (csv && csv->rfind("point,", 0) == 0) {
          header_ = *csv;
          columns = column_count(header_);
          continue;
        }
        throw std::invalid_argument(path_ + ":" + std::to_string(number) +
                                    ": not the journal of a ccsim explore run (no checked header); move it away");
      }
      std::int64_t id = -1;
      if (csv) {
        try {
          id = checked_row(*csv, columns);
        } catch (const std::invalid_argument&) {
        }
      }
      if (id < 0) {
        ++dropped;
        if (!quiet) std::cerr << "explore: " << path_ << ":" << number << ": torn or corrupt row dropped; its point runs again\n";
        continue;
      }
      rows_[id] = *csv;
    }
    if (dropped > 0 && quiet) std::cerr << "explore: " << path_ << ": " << dropped << " torn or corrupt rows dropped\n";
  }

  std::string path_;
  int fd_ = -1;
  bool finished_ = false;
  std::string header_;
  std::map<std::int64_t, std::string> rows_;
};

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
  std::string header;
  auto done = read_rows(a.output, header);
  const std::string expected = expected_header();
  if (!header.empty() && header != expected) {
    throw std::invalid_argument(a.output + ": its columns differ from this ccsim's (an older version's results?); "
                                "move it away or choose another -o");
  }
  Journal journal(a.output + ".partial", a.quiet);
  if (!journal.header().empty() && journal.header() != expected) {
    throw std::invalid_argument(a.output + ".partial: its columns differ from this ccsim's (an older version's journal?); "
                                "move it away or choose another -o");
  }
  for (const auto& [id, line] : journal.rows()) done[id] = line;
  if (header.empty()) header = journal.header();
  for (const auto& p : sweep.points) {
    if (p.id % shards == shard && !done.count(p.id)) selected.push_back(p);
  }
  std::int64_t in_shard = 0;
  for (const auto& p : sweep.points) in_shard += p.id % shards == shard;
  if (!a.quiet) {
    std::cerr << "explore: " << sweep.points.size() << " points in the sweep, " << in_shard << " in this shard, "
              << in_shard - static_cast<std::int64_t>(selected.size()) << " already done\n";
  }
  ProgressBar bar(static_cast<std::int64_t>(selected.size()), "points", std::cerr);
  const auto t0 = std::chrono::steady_clock::now();
  evaluate_points(sweep, selected, a.threads, [&](const Row& row) {
    if (header.empty()) header = csv_header(row);
    journal.append_header(header);
    const std::string line = csv_line(row);
    journal.append(line);  // survives an interruption
    done[std::stoll(row.front().second)] = line;
    if (!a.quiet) bar.tick();
  }, a.compute_reports);
  if (!a.quiet) bar.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (header.empty()) throw std::invalid_argument(a.sweep + ": no points to evaluate");
  std::map<std::int64_t, std::string> mine;
  for (const auto& [id, line] : done) {
    if (id % shards == shard) mine[id] = line;
  }
  write_results(a.output, header, mine);
  journal.finish();
  if (!a.json.empty()) {
    // Re-read through the CSV so both outputs hold the same rows.
    nlohmann::json rows = nlohmann::json::array();
    std::vector<std::string> names;
    std::stringstream hs(header);
    for (std::string n; std::getline(hs, n, ',');) names.push_back(n);
    for (const auto& [id, line] : mine) {
      const std::vector<std::string> cells = csv_cells(line);
      Row row;
      for (std::size_t i = 0; i < cells.size(); ++i) row.emplace_back(i < names.size() ? names[i] : "col" + std::to_string(i), cells[i]);
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
