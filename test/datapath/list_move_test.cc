// SPDX-License-Identifier: GPL-2.0
// The list tables' moves, seen by the real XDP program (BPF_PROG_TEST_RUN): a probe thread
// runs packets from every source of a blocklist filled to 45% of its slots, round robin,
// while the main thread fills it to 90% (past its capacity, which tests raise: at half
// full an insert practically never needs a move), moving keys between buckets to make
// room; then it empties and refills it, 20 times. Every packet must drop. The control moves by clearing
// the old slot first and pausing (a naive or preempted mover): the same probe must see
// packets pass, which proves it would see a gap in the product's moves. The program runs
// without its verdict cache, so every packet is a real lookup.
#include <linux/bpf.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <thread>
#include <vector>

#include "bpf_tester.h"

using namespace xdpguard;

namespace {

constexpr uint32_t kCapacity = 512;  // 128 buckets of 8 slots, at most half full
constexpr uint64_t kRunsPerInsert = 8;

std::string Ip(uint32_t a) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
  return buf;
}

net::Cidr Host(uint32_t a) { return net::ParseCidr(Ip(a) + "/32")->cidr; }

// Sources spread over 20.0.0.0/8 (one length: one probe per lookup).
uint32_t Source(uint32_t i) { return (20u << 24) | ((i * 2654435761u) & 0xffffffu); }

struct Outcome {
  uint64_t runs = 0, misses = 0;
  size_t moves = 0;
};

Outcome FillWhileProbing(test::BpfTester& t, bool clear_first_moves) {
  datapath::BucketMap* table = t.table(XG_MAP_BLOCK_V4);
  table->set_move_order_for_testing(clear_first_moves);
  table->set_capacity_for_testing((table->bucket_mask() + 1) * XG_BKT_V4_SLOTS * 9 / 10);
  const uint32_t capacity = table->max_entries();
  const uint32_t probed = capacity / 2;
  std::vector<test::Bytes> frames;
  for (uint32_t i = 0; i < probed; i++)
    frames.push_back(test::PacketBuilder().Eth().Ipv4(Ip(Source(i)), "192.0.2.1").Udp().Build());
  Outcome out;
  const size_t moves_before = table->moves();
  for (int cycle = 0; cycle < 20; cycle++) {
    t.Reset();
    std::vector<datapath::PrefixTable<xg_rule>::Entry> present, more;
    for (uint32_t i = 0; i < probed; i++) present.push_back({Host(Source(i)), test::DropRule()});
    for (uint32_t i = probed; i < capacity; i++) more.push_back({Host(Source(i)), test::DropRule()});
    REQUIRE(t.block().Upsert(present).ok());
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> runs{0}, misses{0};
    std::thread probe([&] {
      for (uint32_t i = 0; !stop.load(std::memory_order_relaxed); i = (i + 1) % probed) {
        if (t.Run(frames[i]) != XDP_DROP) misses++;
        runs++;
      }
    });
    // One insert at a time, each after the probe has run a few more lookups, so the probe
    // covers the fill on any machine (a TCG guest runs BPF a hundred times slower).
    for (const auto& e : more) {
      const uint64_t target = runs.load() + kRunsPerInsert;
      while (runs.load() < target) std::this_thread::yield();
      REQUIRE(t.block().Upsert({e}).ok());
    }
    stop = true;
    probe.join();
    out.runs += runs;
    out.misses += misses;
  }
  out.moves = table->moves() - moves_before;
  table->set_move_order_for_testing(false);
  table->set_capacity_for_testing(0);
  return out;
}

}  // namespace

TEST_CASE("list tables: the datapath never misses a key the writer moves, a clear-first control does") {
  test::BpfTester t(false, kCapacity, /*verdict_cache=*/false);
  Outcome product = FillWhileProbing(t, false);
  INFO("product: " << product.runs << " lookups, " << product.misses << " misses, " << product.moves << " moves");
  CHECK(product.moves > 200);
  CHECK(product.runs > 20 * 400 * kRunsPerInsert);
  CHECK(product.misses == 0);
  std::printf("moves: %zu keys moved while probing, %llu lookups, %llu misses\n", product.moves,
              static_cast<unsigned long long>(product.runs), static_cast<unsigned long long>(product.misses));
  Outcome control = FillWhileProbing(t, true);
  INFO("control: " << control.runs << " lookups, " << control.misses << " misses, " << control.moves << " moves");
  CHECK(control.misses > 0);
  std::printf("moves: control (clear first) missed %llu of %llu lookups\n",
              static_cast<unsigned long long>(control.misses), static_cast<unsigned long long>(control.runs));
}
