#include "sim/sweep_launch.hpp"

#include <sstream>
#include <stdexcept>

namespace ccsim::cli {
namespace {

// The explore command of task K (K a shell expression such as "$k" or "{}"), as one shell line.
std::string task_command(const ShardLaunch& l, const std::string& k, const std::string& threads) {
  const std::string n = std::to_string(l.tasks);
  std::string line = shell_line({l.ccsim, "explore", l.sweep, "-o"}) + " " + shell_quote(l.work_dir + "/shard-") + k +
                     "-of-" + n + ".csv --shard " + k + "/" + n + " --threads " + threads + " " +
                     shell_line({"--reuse", l.output});
  if (!l.compute_reports.empty()) line += " " + shell_line({"--compute-reports", l.compute_reports});
  return line;
}

std::string script_head(const ShardLaunch& l, const std::string& what, const std::vector<std::string>& directives) {
  std::ostringstream o;
  o << "#!/bin/bash\n"
    << "# " << what << " (written by ccsim explore --slurm " << l.tasks << "; submit again with the same command to\n"
    << "# resume: finished points are kept)\n";
  for (const auto& d : directives) o << "#SBATCH " << d << "\n";
  o << "set -euo pipefail\n" << "cd " << shell_quote(l.submit_dir) << "\n";
  return o.str();
}

}  // namespace

std::string shell_quote(const std::string& text) {
  const bool plain = !text.empty() && text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                               "0123456789_@%+=:,./-") == std::string::npos;
  if (plain) return text;
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string shell_line(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& a : argv) line += (line.empty() ? "" : " ") + shell_quote(a);
  return line;
}

std::vector<std::string> split_scheduler_args(const std::string& text, const std::string& option) {
  if (text.find_first_of("'\"\\") != std::string::npos) {
    throw std::invalid_argument(option + " '" + text + "': quotes and backslashes are not taken; give options " +
                                "whose values have no blanks (e.g. --time=10:00)");
  }
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

std::string shard_file(const ShardLaunch& l, int k) {
  return l.work_dir + "/shard-" + std::to_string(k) + "-of-" + std::to_string(l.tasks) + ".csv";
}

std::string merge_status_file(const ShardLaunch& l) { return l.work_dir + "/merge.status"; }

std::string slurm_task_script(const ShardLaunch& l) {
  const std::string threads = l.threads > 0 ? std::to_string(l.threads) : "\"${SLURM_CPUS_PER_TASK:-1}\"";
  return script_head(l, "One shard of " + l.sweep + " per array task",
                     {"--job-name=ccsim-explore", "--array=0-" + std::to_string(l.tasks - 1),
                      "--output=" + l.work_dir + "/logs/task-%a.log"}) +
         "k=${SLURM_ARRAY_TASK_ID:?run this script as a Slurm array task (sbatch)}\n" + "exec " +
         task_command(l, "\"$k\"", threads) + "\n";
}

std::string slurm_merge_script(const ShardLaunch& l) {
  const std::string n = std::to_string(l.tasks);
  return script_head(l, "The shards of " + l.sweep + " merged into one results file, in the sweep's order",
                     {"--job-name=ccsim-merge", "--output=" + l.work_dir + "/logs/merge.log"}) +
         "shards=()\n" + "for ((k = 0; k < " + n + "; ++k)); do shards+=(" + shell_quote(l.work_dir + "/shard-") +
         "\"$k\"-of-" + n + ".csv); done\n" + "status=0\n" + shell_quote(l.ccsim) + " merge \"${shards[@]}\" " +
         shell_line({"--sweep", l.sweep, "-o", l.output}) + " || status=$?\n" + "echo \"$status\" > " +
         shell_quote(merge_status_file(l)) + "\nexit \"$status\"\n";
}

std::vector<std::string> parallel_command(const ShardLaunch& l) {
  std::vector<std::string> argv = {"parallel", "--halt", "now,fail=1", "--joblog", l.work_dir + "/joblog.txt", "--tag"};
  argv.insert(argv.end(), l.scheduler_args.begin(), l.scheduler_args.end());
  // parallel runs the command through a shell: one line, {} the task number; it starts in the
  // submit directory also on hosts reached by ssh (--sshloginfile).
  argv.push_back("cd " + shell_quote(l.submit_dir) + " && " + task_command(l, "{}", std::to_string(l.threads > 0 ? l.threads : 1)));
  argv.push_back(":::");
  for (int k = 0; k < l.tasks; ++k) argv.push_back(std::to_string(k));
  return argv;
}

}  // namespace ccsim::cli
