// Training with glibc's default allocator settings against keep_freed_memory_for_reuse(): one
// epoch of the 32/64/128 network on 3,200 Fashion-MNIST images + 1,000 test images, one thread.
// The setting is process-wide and cannot be undone, so each variant trains in a forked child
// (the parent never touches libtorch); wall time and minor page faults come from the child.
// Prints the ratio default / reuse.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <benchmark/benchmark.h>

#include "models/train/train.hpp"

namespace {

struct ChildRun {
  double seconds = 0.0;
  long minor_faults = 0;
};

ChildRun train_in_child(bool reuse) {
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    if (reuse) ccsim::model::keep_freed_memory_for_reuse();
    ccsim::model::TrainOptions o;
    o.mode = ccsim::model::PruneMode::Dense;
    o.epochs = 1;
    o.max_train_samples = 3200;
    o.max_test_samples = 1000;
    o.threads = 1;
    ccsim::model::train_network(o, nullptr);
    std::_Exit(0);
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) std::abort();
  return {std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), usage.ru_minflt};
}

double g_default_seconds = 0.0;

void report(benchmark::State& state, const ChildRun& r) {
  state.SetIterationTime(r.seconds);
  state.counters["minor_faults"] = static_cast<double>(r.minor_faults);
}

void BM_TrainEpochDefaultMalloc(benchmark::State& state) {
  for (auto _ : state) {
    const ChildRun r = train_in_child(false);
    g_default_seconds = r.seconds;
    report(state, r);
  }
}

void BM_TrainEpochKeepFreedMemory(benchmark::State& state) {
  for (auto _ : state) {
    const ChildRun r = train_in_child(true);
    report(state, r);
    if (g_default_seconds > 0) state.counters["speedup_vs_default"] = g_default_seconds / r.seconds;
  }
}

}  // namespace

BENCHMARK(BM_TrainEpochDefaultMalloc)->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK(BM_TrainEpochKeepFreedMemory)->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK_MAIN();
