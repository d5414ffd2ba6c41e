// SPDX-License-Identifier: GPL-2.0
// flood_gen's engine "live": BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES runs
// live_gen.bpf.c on the flood frame, and its XDP_TX sends every run out of --dev. The
// kernel recycles the frames from a page pool, so one core offers 10+ Mpps.
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "flood_gen.h"
#include "live_gen_bpf.skel.h"

namespace flood_gen {
namespace {

// Frames per test-run batch (the kernel flushes the frames sent at the end of each). With
// flow control a batch goes only with credit for all its frames (live_gen.bpf.c), so it is
// smaller: the receiver then finds at least credits - batch frames waiting.
constexpr uint32_t kBatchFrames = 256, kFlowControlBatchFrames = 64;

// Errors by which a kernel refuses live frames as such (lockdown, a build without them):
// the circulate engine does not need them.
bool IsRefusal(int err) { return err == EPERM || err == EOPNOTSUPP || err == EINVAL; }

}  // namespace

int RunLive(const Options& o, const Devices& d, bool probe_only) {
  live_gen_bpf* skel = live_gen_bpf__open();
  if (!skel) {
    std::perror("flood_gen: open live_gen");
    return 1;
  }
  SetCommonRodata(skel->rodata, o, d);
  if (o.credits > 0) skel->rodata->batch_frames = kFlowControlBatchFrames;
  SkipCountersUnlessCredits(o, skel->progs.count_polled, skel->progs.count_refused);
  if (int err = live_gen_bpf__load(skel); err) {
    std::fprintf(stderr, "flood_gen: load live_gen: %s\n", std::strerror(-err));
    live_gen_bpf__destroy(skel);
    return 1;
  }
  bpf_link* links[2] = {nullptr, nullptr};  // freed at the end (ASan counts them as leaks)
  int rc = 0;
  if (!AttachCounters(o, skel->progs.count_polled, skel->progs.count_refused, links)) rc = 1;
  xdpguard::test::Bytes frame = FloodFrame(o);
  xdp_md ctx{};
  ctx.ingress_ifindex = d.ifindex;
  ctx.data_end = static_cast<uint32_t>(frame.size());  // the kernel requires data_end == size
  // Frames per syscall, adapted so that each call runs about kCallSeconds: every live-frames
  // test run also spends tens of milliseconds setting up and tearing down its page pool
  // (mostly asleep), so short calls leave the generator idle most of the time (65,536-frame
  // calls kept it busy a quarter of the time, at about 2 Mpps). A probe sends one batch.
  constexpr double kCallSeconds = 0.25;
  const uint32_t batch = o.credits > 0 ? kFlowControlBatchFrames : kBatchFrames;
  uint32_t per_call = probe_only ? batch : 1u << 16;
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(),
              .data_size_in = static_cast<uint32_t>(frame.size()), .ctx_in = &ctx,
              .ctx_size_in = sizeof(ctx), .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
              .batch_size = batch);
  const int prog = bpf_program__fd(skel->progs.live_gen);
  uint64_t sent = 0;  // with flow control too: the program waits for credit, never drops
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(o.seconds);
  for (auto now = start; rc == 0 && now < deadline;) {
    opts.repeat = static_cast<int>(per_call);
    if (int err = bpf_prog_test_run_opts(prog, &opts); err) {
      std::fprintf(stderr, "flood_gen: BPF_PROG_TEST_RUN (live frames): %s\n", std::strerror(-err));
      rc = IsRefusal(-err) ? kRefused : 1;
      break;
    }
    sent += per_call;
    if (probe_only) break;
    const auto after = Clock::now();
    const double took = std::chrono::duration<double>(after - now).count();
    const double left = std::chrono::duration<double>(deadline - after).count();
    // The next call: kCallSeconds at the rate just seen, never far past the deadline.
    const double next = (per_call / std::max(took, 1e-6)) * std::min(kCallSeconds, left);
    per_call = static_cast<uint32_t>(std::clamp(next, 4096.0, double(1u << 26)));
    per_call -= per_call % batch;  // whole batches: live_gen.bpf.c counts them
    now = after;
  }
  if (rc == 0 && !probe_only) {
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    PrintResult("live", sent, secs, skel->bss->assigned, o, skel->bss->taken, skel->bss->refused);
    if (skel->bss->waits_timed_out > 0)
      std::fprintf(stderr, "flood_gen: %llu batches waited in vain for credit: the receiver "
                   "stopped taking frames for a few hundred milliseconds, or frames were lost "
                   "uncounted\n", (unsigned long long)skel->bss->waits_timed_out);
  }
  for (bpf_link* link : links) bpf_link__destroy(link);
  live_gen_bpf__destroy(skel);
  return rc;
}

}  // namespace flood_gen
