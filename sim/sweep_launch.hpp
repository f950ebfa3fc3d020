// Running a sweep's shards on other processors: a Slurm job array with a merge job that depends on
// it, or GNU parallel (local cores, or hosts over ssh). Every task is `ccsim explore --shard K/N`
// on the same sweep; the merge is `ccsim merge --sweep`, which orders the rows as the sweep does
// and refuses a missing point. Tasks resume their own shard file and reuse the rows of an earlier
// merged result, so a re-submitted sweep evaluates only what is not done.
#pragma once

#include <string>
#include <vector>

namespace ccsim::cli {

struct ShardLaunch {
  std::string ccsim;       // the ccsim binary the tasks run (this one's absolute path)
  std::string submit_dir;  // tasks start here, so the sweep's relative paths resolve as in a local run
  std::string sweep;       // SWEEP.json as the user gave it
  std::string output;      // the merged results (absolute)
  std::string work_dir;    // scripts, shard files and logs (absolute): OUTPUT.tasks
  int tasks = 1;
  int threads = 0;              // per task; 0: Slurm's --cpus-per-task (1 when unset), 1 under GNU parallel
  std::string compute_reports;  // per-point COMPUTE_REPORT.csv directory (absolute), or empty
  std::vector<std::string> scheduler_args;  // passed to every sbatch / to parallel, before the command
};

// WORK/shard-K-of-N.csv.
std::string shard_file(const ShardLaunch& l, int k);

// WORK/merge.status: the merge job's exit status, written when it ends.
std::string merge_status_file(const ShardLaunch& l);

// The job-array script (one task per shard, SLURM_ARRAY_TASK_ID = K) and the merge job's script.
std::string slurm_task_script(const ShardLaunch& l);
std::string slurm_merge_script(const ShardLaunch& l);

// `parallel ... ccsim explore ... --shard {}/N ::: 0 .. N-1` as argv.
std::vector<std::string> parallel_command(const ShardLaunch& l);

// One word for sh/bash: the text itself when it has no special characters, else 'text' with
// every ' escaped.
std::string shell_quote(const std::string& text);
std::string shell_line(const std::vector<std::string>& argv);

// "--partition=debug --time=10" -> words, split at blanks; quotes are refused (say it with one
// word per option), naming `option`.
std::vector<std::string> split_scheduler_args(const std::string& text, const std::string& option);

}  // namespace ccsim::cli
