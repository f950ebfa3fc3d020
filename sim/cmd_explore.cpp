#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "models/atomic_file.hpp"
#include "sim/cli_checks.hpp"
#include "sim/commands.hpp"
#include "sim/explore.hpp"
#include "sim/progress_bar.hpp"
#include "sim/sweep_launch.hpp"

namespace ccsim::cli {
namespace {

struct ExploreArgs {
  std::string sweep;
  std::string output;
  std::string json;
  std::string shard;
  std::string compute_reports;
  std::string point;
  std::vector<std::string> reuse;
  int threads = 0;
  bool quiet = false;
  int slurm_tasks = 0;
  int parallel_tasks = 0;
  std::string scheduler_args;
  bool dry_run = false;
  bool wait = false;
};

std::string expected_header() {
  std::string h;
  for (const auto& c : result_columns()) h += (h.empty() ? "" : ",") + c;
  return h;
}

// A result row's point ID if the row is well formed: as many cells as the header, the first a
// point ID. Otherwise throws std::invalid_argument saying what is wrong.
std::string checked_row(const std::string& line, std::size_t columns) {
  const std::vector<std::string> cells = csv_cells(line);
  if (cells.size() != columns) {
    throw std::invalid_argument("has " + std::to_string(cells.size()) + " fields, the header " + std::to_string(columns));
  }
  if (!cells[0].empty() && cells[0].size() < 16 && cells[0].find_first_not_of("0123456789") == std::string::npos) {
    throw std::invalid_argument("point ID '" + cells[0] + "' is an older ccsim's (a number; IDs are now 16 hex digits, the " +
                                "hash of the point's configuration): move the file away or choose another -o");
  }
  point_key(cells[0]);  // throws naming the cell
  return cells[0];
}

std::size_t column_count(const std::string& header) { return csv_cells(header).size(); }

// Rows of a results CSV by point id (the header line separately). A missing file has none; a
// malformed row is an error naming file and line.
// With `expected`, a header other than it is refused before any row is read.
std::map<std::string, std::string> read_rows(const std::string& path, std::string& header, const std::string& expected = "") {
  std::map<std::string, std::string> rows;
  std::ifstream in(path);
  if (!in) return rows;
  std::string line;
  if (!std::getline(in, header)) return rows;
  if (header.rfind("point,", 0) != 0) throw std::invalid_argument(path + ": not a ccsim explore results file");
  if (!expected.empty() && header != expected) {
    throw std::invalid_argument(path + ": its columns differ from this ccsim's (an older version's results?); "
                                "move it away or choose another -o");
  }
  const std::size_t columns = column_count(header);
  for (std::size_t number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    try {
      const std::string id = checked_row(line, columns);
      if (!rows.emplace(id, line).second) throw std::invalid_argument("point " + id + " appears twice");
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
  const std::map<std::string, std::string>& rows() const { return rows_; }

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
      std::string id;
      if (csv) {
        try {
          id = checked_row(*csv, columns);
        } catch (const std::invalid_argument&) {
        }
      }
      if (id.empty()) {
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
  std::map<std::string, std::string> rows_;
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

// Rows in the sweep's order, then rows of points not in this sweep (kept from an earlier one) by ID.
void write_results(const std::string& path, const std::string& header, const std::map<std::string, std::string>& rows,
                   const std::vector<std::string>& order) {
  std::string text = header + "\n";
  std::set<std::string> written;
  for (const auto& id : order) {
    const auto it = rows.find(id);
    if (it != rows.end() && written.insert(id).second) text += it->second + "\n";
  }
  for (const auto& [id, line] : rows) {
    if (!written.count(id)) text += line + "\n";
  }
  write_file_atomic(path, text);
}

// RESULTS.at-accuracy.csv beside RESULTS.csv: the sweep's points at its accuracy.target
// (rows_at_accuracy), with a note for every set of points none of whose densities reaches it.
std::string at_accuracy_path(const std::string& output) {
  const std::string suffix = ".csv";
  const bool csv = output.size() > suffix.size() && output.compare(output.size() - suffix.size(), suffix.size(), suffix) == 0;
  return (csv ? output.substr(0, output.size() - suffix.size()) : output) + ".at-accuracy.csv";
}

// Selected before anything is written, so a selection that fails leaves no results file behind.
struct AtAccuracy {
  std::string path;
  std::string text;
  std::size_t rows = 0;
  std::vector<std::string> unreached;
};

std::optional<AtAccuracy> at_accuracy(const Sweep& sweep, const std::string& output, const std::string& header,
                                      const std::map<std::string, std::string>& rows) {
  if (!sweep.accuracy_target) return std::nullopt;
  std::vector<std::string> lines;
  for (const auto& p : sweep.points) {
    const auto it = rows.find(p.id);
    if (it != rows.end()) lines.push_back(it->second);
  }
  AtAccuracy a;
  a.path = at_accuracy_path(output);
  std::vector<std::string> selected;
  try {
    selected = rows_at_accuracy(header, lines, *sweep.accuracy_target, a.unreached);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(output + ": accuracy.target: " + e.what() + "; nothing written");
  }
  a.text = header + "\n";
  for (const auto& line : selected) a.text += line + "\n";
  a.rows = selected.size();
  return a;
}

// Writes the points at the accuracy target, if selected. A sweep without accuracy.target removes
// the file an earlier run with one left beside the same results (it would describe other rows).
void write_at_accuracy(const std::optional<AtAccuracy>& a, const std::optional<double>& target, const std::string& output,
                       bool quiet) {
  if (!a && !target) {
    const std::string stale = at_accuracy_path(output);
    std::error_code ec;
    if (!std::filesystem::exists(stale, ec)) return;
    std::filesystem::remove(stale, ec);
    if (ec) throw std::runtime_error(stale + ": cannot remove it (left by a run with accuracy.target): " + ec.message());
    std::cerr << "explore: note: removed " << stale << ", left by an earlier run with accuracy.target (this sweep has none)\n";
    return;
  }
  if (!a) return;
  write_file_atomic(a->path, a->text);
  for (const auto& u : a->unreached) std::cerr << "explore: note: " << u << "\n";
  if (!quiet) {
    std::cerr << "explore: " << a->rows << " point(s) at top-1 >= " << target.value_or(0.0)
              << " (the lowest density reaching it, per set of points differing only in density): " << a->path << "\n";
  }
}

std::vector<std::string> sweep_order(const Sweep& sweep) {
  std::vector<std::string> ids;
  ids.reserve(sweep.points.size());
  for (const auto& p : sweep.points) ids.push_back(p.id);
  return ids;
}

bool in_shard(const std::string& id, int shard, int shards) {
  return point_key(id) % static_cast<std::uint64_t>(shards) == static_cast<std::uint64_t>(shard);
}

// Where the tasks of a launched sweep keep their scripts, shard files and logs.
std::string work_dir_of(const std::string& output) {
  return std::filesystem::absolute(output).lexically_normal().string() + ".tasks";
}

// Runs a command (argv, no shell) and returns its standard output; a failure is an error naming
// the command and its exit status.
std::string run_captured(const std::vector<std::string>& argv) {
  const std::string line = shell_line(argv);
  FILE* pipe = ::popen(line.c_str(), "r");
  if (!pipe) throw std::runtime_error(argv.front() + ": cannot start: " + std::strerror(errno));
  std::string out;
  char chunk[4096];
  for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0;) out.append(chunk, n);
  const int status = ::pclose(pipe);
  if (status != 0) {
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    throw std::runtime_error(line + ": " +
                             (code == 127 ? std::string("command not found (is it installed and on PATH?)")
                                          : "exit status " + std::to_string(code)) +
                             (out.empty() ? "" : "; it printed: " + out));
  }
  return out;
}

void write_script(const std::string& path, const std::string& text) {
  write_file_atomic(path, text);
  std::filesystem::permissions(path, std::filesystem::perms::owner_exec | std::filesystem::perms::group_exec,
                               std::filesystem::perm_options::add);
}

ShardLaunch shard_launch(const ExploreArgs& a, int tasks) {
  if (a.output.empty()) throw std::invalid_argument("--slurm / --gnu-parallel need -o RESULTS.csv");
  if (!a.shard.empty() || !a.point.empty()) throw std::invalid_argument("--slurm / --gnu-parallel make the shards: drop --shard / --point");
  ShardLaunch l;
  std::error_code ec;
  l.ccsim = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec) throw std::runtime_error("cannot find this ccsim's path (/proc/self/exe): " + ec.message());
  l.submit_dir = std::filesystem::current_path().string();
  l.sweep = a.sweep;
  l.output = std::filesystem::absolute(a.output).lexically_normal().string();
  l.work_dir = work_dir_of(a.output);
  l.tasks = tasks;
  l.threads = a.threads;
  if (!a.compute_reports.empty()) l.compute_reports = std::filesystem::absolute(a.compute_reports).lexically_normal().string();
  return l;
}

std::string job_id(const std::string& parsable, const std::string& script) {
  const std::string id = parsable.substr(0, parsable.find_first_of(";\n"));
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
    throw std::runtime_error("sbatch " + script + ": no job ID in its answer '" + parsable + "'");
  }
  return id;
}

void launch_slurm(const ExploreArgs& a, const Sweep& sweep) {
  ShardLaunch l = shard_launch(a, a.slurm_tasks);
  l.scheduler_args = split_scheduler_args(a.scheduler_args, "--sbatch");
  const std::string task = l.work_dir + "/explore-task.sh", merge = l.work_dir + "/merge.sh";
  std::vector<std::string> submit_tasks = {"sbatch", "--parsable"};
  submit_tasks.insert(submit_tasks.end(), l.scheduler_args.begin(), l.scheduler_args.end());
  submit_tasks.push_back(task);
  std::vector<std::string> submit_merge = {"sbatch", "--parsable", "--dependency=afterok:JOB", "--kill-on-invalid-dep=yes"};
  if (a.wait) submit_merge.push_back("--wait");
  submit_merge.insert(submit_merge.end(), l.scheduler_args.begin(), l.scheduler_args.end());
  submit_merge.push_back(merge);
  if (a.dry_run) {
    std::cout << "# " << sweep.points.size() << " points in " << l.tasks << " array tasks; nothing is written or submitted\n"
              << "# " << task << "\n" << slurm_task_script(l) << "\n# " << merge << "\n" << slurm_merge_script(l) << "\n"
              << shell_line(submit_tasks) << "\n" << shell_line(submit_merge) << "   # JOB: the array's job ID\n";
    return;
  }
  std::filesystem::create_directories(l.work_dir + "/logs");
  write_script(task, slurm_task_script(l));
  write_script(merge, slurm_merge_script(l));
  // The merge job leaves its exit status here: a job Slurm cancels (a task failed) never runs,
  // and `sbatch --wait` then returns 0 all the same.
  std::filesystem::remove(merge_status_file(l));
  const std::string array_job = job_id(run_captured(submit_tasks), task);
  submit_merge[2] = "--dependency=afterok:" + array_job;
  std::cout << "explore: " << sweep.points.size() << " points in " << l.tasks << " array tasks: Slurm job " << array_job
            << " (logs " << l.work_dir << "/logs/task-K.log)\n" << std::flush;
  if (!a.wait) {
    const std::string merge_job = job_id(run_captured(submit_merge), merge);
    std::cout << "explore: merge job " << merge_job << " runs after it and writes " << l.output << "\n";
    return;
  }
  std::cout << "explore: waiting for the merge job (it runs after job " << array_job << ")\n" << std::flush;
  std::string failure;
  try {
    run_captured(submit_merge);
  } catch (const std::runtime_error& e) {
    failure = e.what();
  }
  std::ifstream status_in(merge_status_file(l));
  std::string status;
  if (!(status_in >> status)) {
    failure = "the merge job did not run: Slurm cancels it when an array task fails" + (failure.empty() ? "" : " (" + failure + ")");
  } else if (status != "0") {
    failure = "the merge job failed (exit status " + status + "), see " + l.work_dir + "/logs/merge.log";
  }
  if (!failure.empty()) {
    throw std::runtime_error("explore: " + failure + "\nexplore: the merge did not complete; the tasks' logs are in " +
                             l.work_dir + "/logs (submit again to resume)");
  }
  std::cout << "explore: merged into " << l.output << "\n";
}

void merge_files(const std::vector<std::string>& inputs, const std::string& output, const std::string& sweep_path,
                 bool quiet);

void launch_parallel(const ExploreArgs& a, const Sweep& sweep) {
  ShardLaunch l = shard_launch(a, a.parallel_tasks);
  l.scheduler_args = split_scheduler_args(a.scheduler_args, "--parallel-args");
  const std::vector<std::string> argv = parallel_command(l);
  if (a.dry_run) {
    std::cout << "# " << sweep.points.size() << " points in " << l.tasks << " tasks; nothing is written or run\n"
              << shell_line(argv) << "\n"
              << shell_quote(l.ccsim) << " merge " << l.work_dir << "/shard-{0.." << l.tasks - 1 << "}-of-" << l.tasks
              << ".csv " << shell_line({"--sweep", a.sweep, "-o", l.output}) << "\n";
    return;
  }
  std::filesystem::create_directories(l.work_dir);
  std::cout << "explore: " << sweep.points.size() << " points in " << l.tasks << " GNU parallel tasks\n" << std::flush;
  const int status = std::system(shell_line(argv).c_str());
  if (status != 0) {
    throw std::runtime_error("parallel: " + std::string(WIFEXITED(status) && WEXITSTATUS(status) == 127
                                                             ? "command not found (install GNU parallel)"
                                                             : "a task failed (exit status " +
                                                                   std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                                                                   "); see " + l.work_dir + "/joblog.txt, run again to resume"));
  }
  std::vector<std::string> shards;
  for (int k = 0; k < l.tasks; ++k) shards.push_back(shard_file(l, k));
  merge_files(shards, l.output, a.sweep, false);
}

void explore_command(const ExploreArgs& a) {
  const Sweep sweep = load_sweep(a.sweep);
  if (a.slurm_tasks > 0 && a.parallel_tasks > 0) throw std::invalid_argument("--slurm and --gnu-parallel: choose one");
  const bool launched = a.slurm_tasks > 0 || a.parallel_tasks > 0;
  if (a.dry_run && !launched) throw std::invalid_argument("--dry-run goes with --slurm or --gnu-parallel");
  if (!a.scheduler_args.empty() && !launched) throw std::invalid_argument("--sbatch / --parallel-args go with --slurm / --gnu-parallel");
  if (a.wait && a.slurm_tasks == 0) throw std::invalid_argument("--wait goes with --slurm");
  if (a.slurm_tasks > 0) return launch_slurm(a, sweep);
  if (a.parallel_tasks > 0) return launch_parallel(a, sweep);
  if (!a.compute_reports.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(a.compute_reports, ec);
    if (ec || !std::filesystem::is_directory(a.compute_reports, ec)) {
      throw std::invalid_argument("--compute-reports " + a.compute_reports + ": cannot create the directory");
    }
  }
  std::vector<SweepPoint> selected;
  if (!a.point.empty()) {  // one point, reproduced alone
    point_key(a.point);
    const auto it = std::find_if(sweep.points.begin(), sweep.points.end(), [&](const SweepPoint& p) { return p.id == a.point; });
    if (it == sweep.points.end()) {
      throw std::invalid_argument("--point " + a.point + ": no such point in " + a.sweep + " (IDs are the 'point' column)");
    }
    evaluate_points(sweep, {*it}, a.threads, [](const Row& row) { std::cout << row_json(row).dump(2) << "\n"; }, a.compute_reports);
    return;
  }
  if (a.output.empty()) throw std::invalid_argument("explore needs -o RESULTS.csv (or --point ID)");
  int shard = 0, shards = 1;
  if (!a.shard.empty()) std::tie(shard, shards) = parse_shard(a.shard);
  // Resume: points already in the output or in the journal of an interrupted run are kept.
  const std::string expected = expected_header();
  std::string header;
  auto done = read_rows(a.output, header, expected);
  Journal journal(a.output + ".partial", a.quiet);
  if (!journal.header().empty() && journal.header() != expected) {
    throw std::invalid_argument(a.output + ".partial: its columns differ from this ccsim's (an older version's journal?); "
                                "move it away or choose another -o");
  }
  for (const auto& [id, line] : journal.rows()) done[id] = line;
  if (header.empty()) header = journal.header();
  // Rows of another results file (a merged earlier run) for this shard's points of this sweep.
  std::set<std::string> ids_in_sweep;
  for (const auto& p : sweep.points) ids_in_sweep.insert(p.id);
  for (const auto& reuse : a.reuse) {
    std::string h;
    const auto rows = read_rows(reuse, h, expected);
    if (h.empty()) continue;  // not there (yet)
    for (const auto& [id, line] : rows) {
      if (ids_in_sweep.count(id) && in_shard(id, shard, shards)) done.emplace(id, line);
    }
    if (header.empty()) header = h;
  }
  std::int64_t points_in_shard = 0;
  for (const auto& p : sweep.points) {
    if (!in_shard(p.id, shard, shards)) continue;
    ++points_in_shard;
    if (!done.count(p.id)) selected.push_back(p);
  }
  if (!a.quiet) {
    std::cerr << "explore: " << sweep.points.size() << " points in the sweep, " << points_in_shard << " in this shard, "
              << points_in_shard - static_cast<std::int64_t>(selected.size()) << " already done\n";
  }
  // The bar redraws on a terminal; in a log file (a Slurm task) only its last line is written.
  const bool live_bar = !a.quiet && ::isatty(STDERR_FILENO);
  ProgressBar bar(static_cast<std::int64_t>(selected.size()), "points", std::cerr);
  const auto t0 = std::chrono::steady_clock::now();
  evaluate_points(sweep, selected, a.threads, [&](const Row& row) {
    if (header.empty()) header = csv_header(row);
    journal.append_header(header);
    const std::string line = csv_line(row);
    journal.append(line);  // survives an interruption
    done[row.front().second] = line;
    if (live_bar) bar.tick();
  }, a.compute_reports);
  if (!a.quiet) bar.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (header.empty()) header = expected;  // an empty shard: a header alone
  std::map<std::string, std::string> mine;
  for (const auto& [id, line] : done) {
    if (in_shard(id, shard, shards)) mine[id] = line;
  }
  const std::vector<std::string> order = sweep_order(sweep);
  const std::optional<AtAccuracy> equal = shards == 1 ? at_accuracy(sweep, a.output, header, mine) : std::nullopt;
  write_results(a.output, header, mine, order);
  journal.finish();
  write_at_accuracy(equal, sweep.accuracy_target, a.output, a.quiet);
  if (!a.json.empty()) {
    // Re-read through the CSV so both outputs hold the same rows.
    std::string h;
    const auto rows_by_id = read_rows(a.output, h);
    nlohmann::json rows = nlohmann::json::array();
    const std::vector<std::string> names = csv_cells(header);
    std::set<std::string> written;
    auto add = [&](const std::string& line) {
      const std::vector<std::string> cells = csv_cells(line);
      Row row;
      for (std::size_t i = 0; i < cells.size(); ++i) row.emplace_back(i < names.size() ? names[i] : "col" + std::to_string(i), cells[i]);
      rows.push_back(row_json(row));
    };
    for (const auto& id : order) {
      const auto it = rows_by_id.find(id);
      if (it != rows_by_id.end() && written.insert(id).second) add(it->second);
    }
    for (const auto& [id, line] : rows_by_id) {
      if (!written.count(id)) add(line);
    }
    write_file_atomic(a.json, rows.dump(2) + "\n");
  }
  if (!a.quiet) {
    std::cerr << "explore: " << selected.size() << " points in " << seconds << " s ("
              << (seconds > 0 ? static_cast<double>(selected.size()) / seconds : 0.0) << " points/s); " << a.output << "\n";
  }
}

// Joins shard files. With a sweep, rows come in its order and every point of it must be there.
void merge_files(const std::vector<std::string>& inputs, const std::string& output, const std::string& sweep_path,
                 bool quiet) {
  std::string header;
  std::map<std::string, std::string> rows;
  for (const auto& in : inputs) {
    std::string h;
    const auto r = read_rows(in, h);
    if (h.empty()) throw std::invalid_argument(in + ": no results (missing or empty file)");
    if (header.empty()) header = h;
    if (h != header) throw std::invalid_argument(in + ": columns differ from " + inputs.front() + "'s");
    for (const auto& [id, line] : r) {
      const auto it = rows.find(id);
      if (it != rows.end() && it->second != line) {
        throw std::invalid_argument(in + ": point " + id + " differs from another shard's");
      }
      rows[id] = line;
    }
  }
  std::vector<std::string> order;
  std::optional<Sweep> sweep_loaded;
  if (!sweep_path.empty()) {
    const Sweep& sweep = sweep_loaded.emplace(load_sweep(sweep_path));
    order = sweep_order(sweep);
    std::vector<std::string> missing;
    for (const auto& id : order) {
      if (!rows.count(id)) missing.push_back(id);
    }
    if (!missing.empty()) {
      std::string some;
      for (std::size_t i = 0; i < missing.size() && i < 5; ++i) some += (i ? ", " : "") + missing[i];
      throw std::invalid_argument(sweep_path + ": " + std::to_string(missing.size()) + " of its " + std::to_string(order.size()) +
                                  " points are in none of the inputs (" + some + (missing.size() > 5 ? ", ..." : "") +
                                  "); nothing written");
    }
  }
  const std::optional<AtAccuracy> equal = sweep_loaded ? at_accuracy(*sweep_loaded, output, header, rows) : std::nullopt;
  write_results(output, header, rows, order);
  if (!quiet) std::cout << "merged " << rows.size() << " points from " << inputs.size() << " files into " << output << "\n";
  if (sweep_loaded) write_at_accuracy(equal, sweep_loaded->accuracy_target, output, quiet);
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
  cmd->add_option("--point", a->point, "evaluate one point (by its ID, the 'point' column) alone and print it");
  cmd->add_option("--reuse", a->reuse, "take this shard's points from these results files (missing ones are skipped)");
  cmd->add_option("--slurm", a->slurm_tasks, "submit the sweep as a Slurm job array of N shards and a merge job after it")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--gnu-parallel", a->parallel_tasks, "run N shards with GNU parallel, then merge")->check(CLI::Range(1, 100000));
  cmd->add_option("--sbatch,--parallel-args", a->scheduler_args,
                  "options for every sbatch (e.g. \"--partition=long --time=2:00:00\") or for parallel (e.g. \"--sshloginfile hosts\")");
  cmd->add_flag("--dry-run", a->dry_run, "with --slurm / --gnu-parallel: print the scripts and commands, write and run nothing");
  cmd->add_flag("--wait", a->wait, "with --slurm: return when the merge job has ended (its status)");
  cmd->add_option("--threads", a->threads, "worker threads (0 = all cores)")->check(kNonNegative);
  cmd->add_flag("--quiet", a->quiet, "no progress bar");
  cmd->callback([a] { explore_command(*a); });

  auto inputs = std::make_shared<std::vector<std::string>>();
  auto output = std::make_shared<std::string>();
  auto* merge = app.add_subcommand("merge", "Join explore results of several shards into one CSV");
  merge->add_option("INPUTS", *inputs, "results files of the shards")->required();
  merge->add_option("-o,--output", *output, "merged results (CSV)")->required();
  auto sweep = std::make_shared<std::string>();
  merge->add_option("--sweep", *sweep, "the sweep: rows in its order, and every one of its points must be there");
  merge->callback([inputs, output, sweep] { merge_files(*inputs, *output, *sweep, false); });
}

}  // namespace ccsim::cli
