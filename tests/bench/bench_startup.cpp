// CPU time (user + system, from wait4) of whole ccsim processes, measured in one run:
//   - `ccsim --version` against `ccsim-systemc --version`: what leaving libsystemc out of the
//     program that packs, sweeps and runs fast mode saves at every start (target <= 50 ms);
//   - fast mode on SCALE-Sim's three-layer topology (sim/examples/scalesim-three-layers.csv,
//     16 x 16, bit-parallel cells, exposed weight loads: SCALE-Sim's WS dataflow) against
//     SCALE-Sim's own CPU time on the same layers, 49.7 s, measured on the build machine on
//     2026-12-06 (tests/scalesim/README.md; SCALE-Sim is not run here: it takes a minute of
//     Python). Target >= 1000x.
// Each command runs `rounds` times; the median is reported. Prints the figures; fails only if a
// command fails.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

constexpr double kScaleSimThreeLayersCpuSeconds = 49.7;  // tests/scalesim/README.md, 16 x 16

// CPU seconds of one run of `argv` (stdout and stderr to /dev/null); negative on failure.
double cpu_seconds(std::vector<std::string> args) {
  std::fflush(stdout);  // or the child's copy of the buffer is printed again
  const pid_t pid = fork();
  if (pid == 0) {
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  if (pid < 0 || wait4(pid, &status, 0, &usage) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double median_cpu_seconds(const std::vector<std::string>& args, int rounds) {
  std::vector<double> t;
  for (int i = 0; i < rounds; ++i) {
    const double s = cpu_seconds(args);
    if (s < 0) {
      std::fprintf(stderr, "bench_startup: %s failed\n", args[0].c_str());
      std::exit(1);
    }
    t.push_back(s);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main() {
  const std::string dir = CCSIM_BINARY_DIR;
  const std::string ccsim = dir + "/ccsim";
  const int rounds = 21;
  const double light = median_cpu_seconds({ccsim, "--version"}, rounds);
  const double full = median_cpu_seconds({dir + "/ccsim-systemc", "--version"}, rounds);
  std::printf("ccsim --version:          %6.1f ms CPU (target <= 50)\n", light * 1e3);
  std::printf("ccsim-systemc --version:  %6.1f ms CPU (ccsim starts %.2fx faster)\n", full * 1e3, full / light);
  const double topology = median_cpu_seconds(
      {ccsim, "run", "--topology", std::string(CCSIM_SOURCE_DIR) + "/sim/examples/scalesim-three-layers.csv", "--mode",
       "fast", "--array", "16x16", "--mac", "parallel", "--weight-load", "exposed"},
      rounds);
  std::printf("fast mode, SCALE-Sim's three-layer topology on 16x16: %.1f ms CPU; SCALE-Sim %.1f s: %.0fx (target >= 1000x)\n",
              topology * 1e3, kScaleSimThreeLayersCpuSeconds, kScaleSimThreeLayersCpuSeconds / topology);
  return 0;
}
