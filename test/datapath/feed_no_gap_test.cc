// SPDX-License-Identifier: GPL-2.0
// The feed engine's no-gap guarantee, measured: one thread runs a packet from a blocked
// source through the real XDP program (BPF_PROG_TEST_RUN) as fast as it can while the
// main thread refreshes a 1M-prefix feed again and again, changing 1% of it each time
// and switching how the source is covered (its own /32, then the /24 that aggregation
// makes of a fully listed block, then back). Every lookup must drop. The control run
// rewrites the set deleting first, as a naive sync would: it must show misses, which
// proves the probe can see a gap. Between two probe packets a packet from a source that
// shares the probe's verdict cache slot evicts it, so every probe packet makes a full
// lookup (a cached verdict would hide a gap that opens inside one write). Then the feed
// shrinks to a fifth and grows back: the shrink deletes covering and neighbouring entries
// by the hundred thousand and rebuilds the datapath's length masks (clearing the lengths
// nothing needs any more) while the probe runs; its control clears the probe region's
// length summary for a moment, as a rebuild that cleared before setting would, and must
// show misses.
#include <linux/bpf.h>
#include <stdlib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <chrono>
#include <thread>

#include "bpf_tester.h"
#include "delete_first_writer.h"
#include "config/config.h"
#include "feeds/feed_engine.h"

using namespace xdpguard;

namespace {

constexpr uint32_t kEntries = 1000000;
constexpr uint32_t kBase = 20u << 24;           // 20.0.0.0: entries are its even addresses
constexpr uint32_t kSource = kBase + 2 * 400000;  // 20.12.53.0, inside the list

std::string Ip(uint32_t a) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
  return buf;
}

// Round r of the feed: 1M even addresses, with a different 1% moved to odd addresses
// each round; in odd rounds the source's /24 is listed completely (it aggregates to a
// /24 that covers the source instead of its /32).
void WriteFeed(const std::string& path, int round, uint32_t first = 0, uint32_t last = kEntries) {
  std::string out;
  out.reserve(kEntries * 14 + 4096);
  const uint32_t moved_from = static_cast<uint32_t>(round % 50) * (kEntries / 100);
  for (uint32_t i = first; i < last; i++) {
    uint32_t a = kBase + 2 * i;
    if (i >= moved_from && i < moved_from + kEntries / 100 && a >> 8 != kSource >> 8) a += 1;
    out += Ip(a);
    out += '\n';
  }
  if (round % 2 == 1) {
    for (uint32_t h = 1; h < 256; h += 2) {
      out += Ip((kSource & ~255u) | h);
      out += '\n';
    }
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc) << out;
}

struct Probe {
  test::BpfTester* tester;
  test::Bytes frame;
  test::Bytes evict;  // from a source sharing frame's verdict cache slot
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> runs{0}, misses{0};
  std::thread thread;

  void Start() {
    stop = false;
    runs = 0;
    misses = 0;
    thread = std::thread([this] {
      while (!stop.load(std::memory_order_relaxed)) {
        tester->Run(evict);
        if (tester->Run(frame) != XDP_DROP) misses++;
        runs++;
      }
    });
  }
  void Stop() {
    stop = true;
    thread.join();
  }
};

}  // namespace

TEST_CASE("feeds: refreshing a 1M-prefix feed never opens a gap, a delete-first control does") {
  test::BpfTester t(false, 1100000);
  char tmpl[] = "/tmp/xg-nogap-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string feed = dir + "/feed.txt";
  config::Config cfg = config::ParseConfig(R"({"state_dir":")" + dir + R"(/state","feeds":[
      {"name":"big","format":"plain","path":")" + feed + R"(","max_entries":2000000,"max_shrink":0.9}]})",
                                           "nogap.json").value();
  feeds::FeedEngine engine(cfg);
  REQUIRE(engine.Init().ok());
  auto refresh = [&](int round, uint32_t first = 0, uint32_t last = kEntries) {
    WriteFeed(feed, round, first, last);
    feeds::RefreshOptions o;
    o.ignore_backoff = true;
    REQUIRE(engine.Collect(o).ok());
    absl::StatusOr<feeds::ApplySummary> s = engine.Apply(&t.block(), {});
    INFO(s.status().ToString());
    REQUIRE(s.ok());
    REQUIRE(s->feeds[0].result == "updated");
    return *s;
  };
  refresh(0);

  Probe probe{&t, test::PacketBuilder().Eth().Ipv4(Ip(kSource), "192.0.2.1").Udp().Build(),
              test::PacketBuilder().Eth().Ipv4(test::CollidingV4(Ip(kSource), "100.64.0.0"),
                                               "192.0.2.1").Udp().Build()};
  REQUIRE(t.Run(probe.frame) == XDP_DROP);

  probe.Start();
  size_t changed = 0;
  for (int round = 1; round <= 6; round++) {
    feeds::ApplySummary s = refresh(round);
    changed += s.sync.added + s.sync.deleted;
  }
  probe.Stop();
  INFO("adds-before-deletes: " << probe.runs << " lookups, " << probe.misses << " misses, "
                               << changed << " entries added or removed");
  CHECK(probe.runs > 10000);
  CHECK(changed > 6 * 20000);
  CHECK(probe.misses == 0);
  std::printf("no-gap: 6 refreshes of 1M prefixes (%zu entries added or removed), %llu lookups, %llu misses\n",
              changed, static_cast<unsigned long long>(probe.runs.load()),
              static_cast<unsigned long long>(probe.misses.load()));

  // Shrink to the fifth around the source (800k deletes: the masks are rebuilt), then back.
  auto summary = [&](uint32_t addr) {  // the block byte of addr's region
    uint32_t region = addr >> 16;
    return (t.masks().lsum_v4()[region >> 2] >> xg_lsum_shift(region, 0)) & 0xff;
  };
  REQUIRE(summary(kBase) != 0);
  probe.Start();
  feeds::ApplySummary shrunk = refresh(10, 300000, 500000);
  const uint64_t shrink_misses = probe.misses;
  const uint32_t emptied_region_byte = summary(kBase);  // 20.0/16 lost all its entries
  refresh(12);
  probe.Stop();
  INFO("shrink and regrow: " << probe.runs << " lookups, " << probe.misses << " misses, "
                             << shrunk.sync.deleted << " deleted by the shrink");
  CHECK(shrunk.sync.deleted > 700000);
  CHECK(emptied_region_byte == 0);  // the rebuild ran and cleared lengths nobody needs
  CHECK(summary(kBase) != 0);       // and the regrow marked them again
  CHECK(shrink_misses == 0);
  CHECK(probe.misses == 0);
  std::printf("no-gap: shrink to 200k (mask rebuild) and regrow: %llu lookups, %llu misses\n",
              static_cast<unsigned long long>(probe.runs.load()),
              static_cast<unsigned long long>(probe.misses.load()));

  // Control for the masks: clearing the probe region's summary for a moment (what a rebuild
  // that cleared before setting would do) must be seen.
  {
    probe.Start();
    auto* word = const_cast<__u64*>(&t.masks().lsum_v4()[(kSource >> 16) >> 2]);
    for (int i = 0; i < 2000 && probe.misses == 0; i++) {
      const __u64 saved = __atomic_load_n(word, __ATOMIC_SEQ_CST);
      __atomic_store_n(word, 0, __ATOMIC_SEQ_CST);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      __atomic_store_n(word, saved, __ATOMIC_SEQ_CST);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    probe.Stop();
    INFO("control, summary cleared: " << probe.runs << " lookups, " << probe.misses << " misses");
    CHECK(probe.misses > 0);
  }

  probe.Start();
  {
    xdpguard::testing::DeleteFirstScope control;  // the leaking writer, from test/support
    for (int round = 7; round <= 8; round++) refresh(round);
  }
  probe.Stop();
  INFO("control, delete first: " << probe.runs << " lookups, " << probe.misses << " misses");
  CHECK(probe.misses > 0);
  std::printf("no-gap: control run (delete first) missed %llu of %llu lookups\n",
              static_cast<unsigned long long>(probe.misses.load()),
              static_cast<unsigned long long>(probe.runs.load()));
  (void)!system(("rm -rf " + dir).c_str());
}
