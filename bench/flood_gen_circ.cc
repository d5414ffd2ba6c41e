// SPDX-License-Identifier: GPL-2.0
// flood_gen's engine "circulate", for kernels that refuse XDP live frames: attaches
// circ_gen.bpf.c's two programs to the loop pair (--loop-a, --loop-b, both in this
// namespace, their NAPI threads on the generator's core: bench.sh sets that up), seeds the
// loop with --population frames by AF_PACKET on B, and lets them circulate for --seconds;
// every round trip sends one copy out of --dev (with flow control: when there is credit).
// The programs are attached by bpf_link, so they come off the loop pair when this process
// ends however it ends, and the circulation stops with them.
#include <bpf/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "circ_gen_bpf.skel.h"
#include "flood_gen.h"

namespace flood_gen {
namespace {

// Frames in the loop. Each veth ring holds 256 and all of them can wait in one ring, so
// fewer than that, with room for the frames the namespace's stack may send. More frames
// make bigger NAPI batches (a faster loop) up to the point where the rings refuse them.
constexpr uint32_t kDefaultPopulation = 192;

// Sends `count` copies of `frame` out of `ifindex` (B: they arrive at A, where the loop
// starts). Returns the number sent.
uint32_t Seed(unsigned ifindex, const xdpguard::test::Bytes& frame, uint32_t count) {
  const int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    std::perror("flood_gen: AF_PACKET socket");
    return 0;
  }
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = static_cast<int>(ifindex);
  to.sll_halen = ETH_ALEN;
  std::memcpy(to.sll_addr, frame.data(), ETH_ALEN);
  uint32_t sent = 0;
  for (uint32_t i = 0; i < count; i++) {
    if (sendto(fd, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)) ==
        static_cast<ssize_t>(frame.size()))
      sent++;
  }
  close(fd);
  return sent;
}

}  // namespace

int RunCirculate(const Options& o, const Devices& d, bool probe_only) {
  const unsigned a = if_nametoindex(o.loop_a.c_str()), b = if_nametoindex(o.loop_b.c_str());
  if (a == 0 || b == 0) {
    std::fprintf(stderr, "flood_gen: circulate: no interface %s or %s in this network namespace\n",
                 o.loop_a.c_str(), o.loop_b.c_str());
    return 1;
  }
  circ_gen_bpf* skel = circ_gen_bpf__open();
  if (!skel) {
    std::perror("flood_gen: open circ_gen");
    return 1;
  }
  SetCommonRodata(skel->rodata, o, d);
  SkipCountersUnlessCredits(o, skel->progs.count_polled, skel->progs.count_refused);
  bpf_link* links[4] = {nullptr, nullptr, nullptr, nullptr};  // counters, then the loop
  auto finish = [&](int rc) {
    for (bpf_link* link : links) bpf_link__destroy(link);
    circ_gen_bpf__destroy(skel);
    return rc;
  };
  if (int err = circ_gen_bpf__load(skel); err) {
    std::fprintf(stderr, "flood_gen: circulate: load circ_gen: %s\n", std::strerror(-err));
    return finish(1);
  }
  // The devmap resolves ifindexes in the writer's network namespace: this one.
  const uint32_t slots[2] = {d.ifindex, b};
  for (uint32_t key = 0; key < 2; key++) {
    if (int err = bpf_map__update_elem(skel->maps.fanout, &key, sizeof(key), &slots[key],
                                       sizeof(slots[key]), BPF_ANY);
        err) {
      std::fprintf(stderr, "flood_gen: circulate: devmap slot %u (ifindex %u): %s\n", key,
                   slots[key], std::strerror(-err));
      return finish(1);
    }
  }
  links[2] = bpf_program__attach_xdp(skel->progs.circ_rewrite, static_cast<int>(a));
  links[3] = links[2] ? bpf_program__attach_xdp(skel->progs.circ_fanout, static_cast<int>(b))
                      : nullptr;
  if (!links[3]) {
    std::fprintf(stderr, "flood_gen: circulate: attach XDP to %s and %s: %s\n", o.loop_a.c_str(),
                 o.loop_b.c_str(), std::strerror(errno));
    return finish(1);
  }
  if (probe_only) return finish(0);
  if (!AttachCounters(o, skel->progs.count_polled, skel->progs.count_refused, links))
    return finish(1);

  const uint32_t population = o.population ? o.population : kDefaultPopulation;
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  skel->bss->running = 1;
  const uint32_t seeded = Seed(b, FloodFrame(o), population);
  if (seeded == 0) {
    skel->bss->running = 0;
    return finish(1);
  }
  std::this_thread::sleep_until(start + std::chrono::duration<double>(o.seconds));
  skel->bss->running = 0;  // both programs now drop what comes round
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  const uint64_t sent = skel->bss->sent;
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the loop drains
  if (skel->bss->circulated < 16ull * seeded) {
    std::fprintf(stderr, "flood_gen: circulate: only %llu round trips of %u seeded frames: the "
                 "loop did not run (XDP on %s and %s, and threaded NAPI?)\n",
                 (unsigned long long)skel->bss->circulated, seeded, o.loop_a.c_str(),
                 o.loop_b.c_str());
    return finish(1);
  }
  PrintResult("circulate", sent, secs, skel->bss->assigned, o, skel->bss->taken,
              skel->bss->refused);
  std::printf("# circulate: seeded %u, round trips %llu\n", seeded,
              (unsigned long long)skel->bss->circulated);
  return finish(0);
}

}  // namespace flood_gen
