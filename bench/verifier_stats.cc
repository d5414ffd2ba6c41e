// SPDX-License-Identifier: GPL-2.0
// Loads the embedded datapath object with the verifier's statistics turned on (log level
// 4) and prints, per program, the instructions the verifier processed (the kernel refuses
// a program at 1,000,000) and the stack depth of each of its subprograms. bpftool does not
// print these. Needs root; loads nothing onto any interface.
//   verifier_stats [--baseline FILE]
// With a baseline (bench/verifier_baseline.txt: "kernel program processed" rows, kernel as
// major.minor of uname -r), it fails (exit 1) when a program processes more than half the
// 1M budget, or more than 1.2x its baseline row for the running kernel. A kernel without
// rows gets the budget check only.
#include <bpf/libbpf.h>
#include <sys/utsname.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "xdpguard_bpf.skel.h"

namespace {

constexpr unsigned long kBudget = 1000000;
constexpr double kMaxGrowth = 1.2;

// "6.1.0-28-amd64" -> "6.1".
std::string KernelMajorMinor() {
  utsname u{};
  if (uname(&u) != 0) return "?";
  std::string r = u.release;
  size_t first = r.find('.');
  size_t second = first == std::string::npos ? std::string::npos : r.find_first_not_of("0123456789", first + 1);
  return r.substr(0, second);
}

// (kernel, program) -> processed instructions.
std::map<std::pair<std::string, std::string>, unsigned long> LoadBaseline(const char* path) {
  std::map<std::pair<std::string, std::string>, unsigned long> rows;
  std::ifstream in(path);
  if (!in) {
    fprintf(stderr, "cannot read the baseline %s\n", path);
    exit(2);
  }
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string kernel, program;
    unsigned long processed = 0;
    if (fields >> kernel >> program >> processed) rows[{kernel, program}] = processed;
  }
  return rows;
}

}  // namespace

int main(int argc, char** argv) {
  const char* baseline_path = nullptr;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--baseline") && i + 1 < argc) {
      baseline_path = argv[++i];
    } else {
      fprintf(stderr, "usage: %s [--baseline FILE]\n", argv[0]);
      return 2;
    }
  }
  const std::string kernel = KernelMajorMinor();
  std::map<std::pair<std::string, std::string>, unsigned long> baseline;
  if (baseline_path) baseline = LoadBaseline(baseline_path);
  xdpguard_bpf* skel = xdpguard_bpf__open();
  if (!skel) {
    fprintf(stderr, "cannot open the datapath object\n");
    return 1;
  }
  std::vector<std::vector<char>> logs;
  bpf_program* prog;
  bpf_object__for_each_program(prog, skel->obj) {
    logs.emplace_back(1 << 20);
    bpf_program__set_log_level(prog, 4);
    bpf_program__set_log_buf(prog, logs.back().data(), logs.back().size());
  }
  if (int err = xdpguard_bpf__load(skel); err) {
    // The end of each program's log says why (the verifier stops at the first error).
    size_t i = 0;
    bpf_object__for_each_program(prog, skel->obj) {
      std::string log(logs[i++].data());
      size_t from = log.size();
      for (int lines = 0; lines < 25 && from > 0; lines++) from = log.rfind('\n', from - 1);
      fprintf(stderr, "--- %s: end of the verifier log\n%s\n", bpf_program__name(prog),
              log.substr(from == std::string::npos ? 0 : from).c_str());
    }
    fprintf(stderr, "load failed: %s\n", strerror(-err));
    return 1;
  }
  printf("kernel %s\n", kernel.c_str());
  printf("| program | processed insns | %% of 1M | baseline | stack depth (per subprogram) |\n"
         "|---|---|---|---|---|\n");
  bool failed = false;
  size_t i = 0;
  bpf_object__for_each_program(prog, skel->obj) {
    const std::string log(logs[i++].data());
    unsigned long processed = 0;
    if (size_t at = log.find("processed "); at != std::string::npos)
      processed = strtoul(log.c_str() + at + 10, nullptr, 10);
    std::string stack = "?";
    if (size_t at = log.find("stack depth "); at != std::string::npos)
      stack = log.substr(at + 12, log.find('\n', at) - at - 12);
    std::string against = "-";
    auto row = baseline.find({kernel, bpf_program__name(prog)});
    if (row != baseline.end()) {
      char buf[64];
      snprintf(buf, sizeof(buf), "%lu (%+.1f%%)", row->second,
               100.0 * (static_cast<double>(processed) / static_cast<double>(row->second) - 1.0));
      against = buf;
    }
    printf("| %s | %lu | %.1f%% | %s | %s |\n", bpf_program__name(prog), processed,
           processed / 10000.0, against.c_str(), stack.c_str());
    if (processed == 0 || processed > kBudget / 2) {
      fprintf(stderr, "%s: %lu processed instructions, over half the 1M budget (or unknown)\n",
              bpf_program__name(prog), processed);
      failed = true;
    }
    if (row != baseline.end() && static_cast<double>(processed) > kMaxGrowth * static_cast<double>(row->second)) {
      fprintf(stderr, "%s: %lu processed instructions on %s, more than 1.2x the baseline %lu: "
              "find out why (the verifier log), or update bench/verifier_baseline.txt with the reason\n",
              bpf_program__name(prog), processed, kernel.c_str(), row->second);
      failed = true;
    }
  }
  if (baseline_path && baseline.count({kernel, "xdpguard_main"}) == 0)
    printf("no baseline rows for kernel %s: only the budget is checked\n", kernel.c_str());
  xdpguard_bpf__destroy(skel);
  return failed ? 1 : 0;
}
