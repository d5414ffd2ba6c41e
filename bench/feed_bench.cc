// SPDX-License-Identifier: GPL-2.0
// Feed engine cost on the real maps, by the service's path (pinned maps, writer lock, a
// long-lived engine): parse and apply a 1M-entry plain feed from scratch, then refreshes
// that change 1% of it. Prints wall time per phase and the controller's
// peak RSS per phase (VmHWM, reset between phases through /proc/self/clear_refs).
// Needs root (loads the XDP object; nothing is attached). Runs with malloc's transparent
// huge pages on, as scripts/xdpguard.service runs the service (GLIBC_TUNABLES; it
// re-executes itself to set them); XG_BENCH_NO_MALLOC_THP=1 measures without. Usage:
//   sudo build/bench/feed_bench [--entries N] [--rounds R]
#include <bpf/libbpf.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/memory_reuse.h"
#include "config/config.h"
#include "daemon/feeds_apply.h"
#include "datapath/datapath_object.h"
#include "datapath/mapped_arrays.h"
#include "feeds/feed_engine.h"

using namespace xdpguard;

namespace {

int QuietLibbpf(enum libbpf_print_level, const char*, va_list) { return 0; }

constexpr char kServiceMallocTunables[] = "glibc.malloc.hugetlb=1";

long PeakRssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}
void ResetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }

// Public unicast space only, so the protected ranges refuse nothing.
uint32_t RandomPublicV4(std::mt19937& rng) {
  while (true) {
    uint32_t a = rng();
    uint32_t o = a >> 24;
    if (o == 0 || o == 10 || o == 100 || o == 127 || o == 169 || o == 172 || o == 192 || o >= 224) continue;
    return a;
  }
}

std::string Ip(uint32_t a) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
  return buf;
}

// Random hosts, even addresses only so aggregation merges nothing (the worst case).
void WriteFeed(const std::string& path, const std::vector<uint32_t>& addrs) {
  std::string out;
  out.reserve(addrs.size() * 15);
  for (uint32_t a : addrs) {
    out += Ip(a);
    out += '\n';
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc) << out;
}

double Ms(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

}  // namespace

// The service unit's malloc setting (scripts/xdpguard.service): tunables are read at
// process start only, so the bench sets them and runs itself again.
void RunWithServiceMallocTunables(char** argv) {
  if (getenv("GLIBC_TUNABLES") || getenv("XG_BENCH_NO_MALLOC_THP")) return;
  setenv("GLIBC_TUNABLES", kServiceMallocTunables, 1);
  execv("/proc/self/exe", argv);
  perror("feed_bench: re-executing with GLIBC_TUNABLES");  // measured without, and said so
  unsetenv("GLIBC_TUNABLES");
}

int main(int argc, char** argv) {
  RunWithServiceMallocTunables(argv);
  const char* tunables = getenv("GLIBC_TUNABLES");
  printf("malloc: GLIBC_TUNABLES=%s%s\n\n", tunables ? tunables : "(unset)",
         tunables && !strcmp(tunables, kServiceMallocTunables) ? " (as the service unit runs it)" : "");
  libbpf_set_print(QuietLibbpf);
  uint32_t entries = 1000000;
  int rounds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--entries")) entries = static_cast<uint32_t>(strtoul(argv[i + 1], nullptr, 10));
    if (!strcmp(argv[i], "--rounds")) rounds = atoi(argv[i + 1]);
  }
  // The service's own path: maps pinned in a private bpffs directory, and every apply
  // through ApplyFeedsLocked (writer lock, maps opened per session, allowlist read).
  char pin_tmpl[] = "/sys/fs/bpf/xg-feed-bench-XXXXXX";
  if (!mkdtemp(pin_tmpl)) {
    fprintf(stderr, "cannot create a directory on /sys/fs/bpf (root? bpffs mounted?)\n");
    return 1;
  }
  const std::string pin_dir = pin_tmpl;
  datapath::ObjectOptions opts;
  opts.pin_dir = pin_dir;
  // The product's default table (1,048,576 entries) unless the list needs more.
  if (entries > 1048576) opts.sizes.block_v4 = entries + entries / 10;
  opts.sizes.block_v6 = 1024;
  auto obj = datapath::DatapathObject::Open(opts);
  if (!obj.ok() || !(*obj)->Load().ok() || !(*obj)->FinishPinning().ok()) {
    fprintf(stderr, "cannot load the xdpguard object (root?)\n");
    (void)!system(("rm -rf " + pin_dir).c_str());
    return 1;
  }

  char tmpl[] = "/tmp/xg-feed-bench-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string feed = dir + "/feed.txt";
  config::Config cfg = config::ParseConfig(
      R"({"state_dir":")" + dir + R"(/state","feeds":[{"name":"bench","format":"plain","path":")" +
          feed + R"(","max_entries":)" + std::to_string(entries * 2) + R"(,"max_bytes":1073741824}]})",
      "bench.json").value();

  std::mt19937 rng(7);
  std::set<uint32_t> seen;
  std::vector<uint32_t> addrs;
  while (addrs.size() < entries) {
    uint32_t a = RandomPublicV4(rng) & ~1u;
    if (seen.insert(a).second) addrs.push_back(a);
  }
  WriteFeed(feed, addrs);

  KeepFreedMemoryForReuse();  // as the service runs it (daemon/feed_runner.cc)
  if (!getenv("XG_BENCH_FRESH_MAPPINGS")) datapath::MappedArrays::RetainMappingsForReuse();
  feeds::FeedEngine engine(cfg);
  engine.KeepStateInMemory();
  if (!engine.Init().ok()) return 1;
  feeds::RefreshOptions ro;
  ro.ignore_backoff = true;
  double persist_ms = 0;
  auto run = [&](double* collect_ms, double* apply_ms, feeds::ApplySummary* out) {
    auto t0 = std::chrono::steady_clock::now();
    if (!engine.Collect(ro).ok()) exit(1);
    auto t1 = std::chrono::steady_clock::now();
    auto s = daemon::ApplyFeedsLocked(pin_dir, engine, /*resync=*/false);
    auto t2 = std::chrono::steady_clock::now();
    if (!s.ok()) {
      fprintf(stderr, "apply failed: %s\n", s.status().ToString().c_str());
      (void)!system(("rm -rf " + dir + " " + pin_dir).c_str());
      exit(1);
    }
    engine.WaitForPersistence();  // the background cache write, timed on its own
    persist_ms = Ms(t2, std::chrono::steady_clock::now());
    *collect_ms = Ms(t0, t1);
    *apply_ms = Ms(t1, t2);
    *out = *s;
  };

  printf("| phase | entries changed | read+parse+checks ms | policy+diff+map writes ms | total ms | "
         "background cache write ms | peak RSS MB |\n");
  printf("|---|---|---|---|---|---|---|\n");
  ResetPeakRss();
  double c = 0, a = 0;
  feeds::ApplySummary sum;
  run(&c, &a, &sum);
  printf("| from scratch (%u prefixes) | %zu | %.0f | %.0f | %.0f | %.0f | %.0f |\n", entries, sum.sync.added, c, a,
         c + a, persist_ms, PeakRssKb() / 1024.0);
  std::vector<double> totals;
  std::vector<std::string> stages = {sum.stages.Summary()};
  for (int r = 0; r < rounds; r++) {
    // Replace a different 1% with new addresses.
    for (uint32_t i = 0; i < entries / 100; i++) {
      uint32_t idx = (static_cast<uint32_t>(r) * (entries / 100) + i) % entries;
      uint32_t a2;
      do a2 = RandomPublicV4(rng) & ~1u;
      while (!seen.insert(a2).second);
      addrs[idx] = a2;
    }
    WriteFeed(feed, addrs);
    ResetPeakRss();
    run(&c, &a, &sum);
    totals.push_back(c + a);
    printf("| 1%% refresh, round %d | %zu | %.0f | %.0f | %.0f | %.0f | %.0f |\n", r + 1,
           sum.sync.added + sum.sync.deleted, c, a, c + a, persist_ms, PeakRssKb() / 1024.0);
    stages.push_back(sum.stages.Summary());
  }
  std::sort(totals.begin(), totals.end());
  printf("\n1%% refresh: median %.0f ms, min %.0f, max %.0f over %d rounds\n", totals[totals.size() / 2],
         totals.front(), totals.back(), rounds);
  printf("\nStages (from scratch, then each refresh):\n");
  for (const std::string& s : stages) printf("  %s\n", s.c_str());
  (void)!system(("rm -rf " + dir + " " + pin_dir).c_str());
  return 0;
}
