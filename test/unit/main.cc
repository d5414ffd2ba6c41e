// SPDX-License-Identifier: GPL-2.0
// Catch2 main shared by the unit and datapath test binaries. libbpf's notice about the
// .xdp_run_config section (read by libxdp, not libbpf) is filtered; real warnings show.
#define CATCH_CONFIG_RUNNER
#include <bpf/libbpf.h>

#include <catch2/catch.hpp>
#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace {
int QuietLibbpf(enum libbpf_print_level level, const char* fmt, va_list ap) {
  if (level == LIBBPF_DEBUG) return 0;
  char buf[2048];
  vsnprintf(buf, sizeof(buf), fmt, ap);
  if (strstr(buf, "skipping unrecognized data section")) return 0;
  return fputs(buf, stderr);
}
}  // namespace

int main(int argc, char* argv[]) {
  libbpf_set_print(QuietLibbpf);
  return Catch::Session().run(argc, argv);
}
