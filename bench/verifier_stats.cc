// SPDX-License-Identifier: GPL-2.0
// Loads the embedded datapath object with the verifier's statistics turned on (log level
// 4) and prints, per program, the instructions the verifier processed (the kernel refuses
// a program at 1,000,000) and the stack depth of each of its subprograms. bpftool does not
// print these. Needs root; loads nothing onto any interface.
//   verifier_stats
#include <bpf/libbpf.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "xdpguard_bpf.skel.h"

int main() {
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
  printf("| program | processed insns | %% of 1M | stack depth (per subprogram) |\n|---|---|---|---|\n");
  size_t i = 0;
  bpf_object__for_each_program(prog, skel->obj) {
    const std::string log(logs[i++].data());
    unsigned long processed = 0;
    if (size_t at = log.find("processed "); at != std::string::npos)
      processed = strtoul(log.c_str() + at + 10, nullptr, 10);
    std::string stack = "?";
    if (size_t at = log.find("stack depth "); at != std::string::npos)
      stack = log.substr(at + 12, log.find('\n', at) - at - 12);
    printf("| %s | %lu | %.1f%% | %s |\n", bpf_program__name(prog), processed,
           processed / 10000.0, stack.c_str());
  }
  xdpguard_bpf__destroy(skel);
  return 0;
}
