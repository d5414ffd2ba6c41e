// SPDX-License-Identifier: GPL-2.0
/* Traffic generator for the veth benchmarks (bench/flood_gen.cc, engine "live"): run by BPF_PROG_TEST_RUN
 * with BPF_F_TEST_XDP_LIVE_FRAMES, it sends each frame out of the generator's veth with
 * XDP_TX. With src_count > 1 the IPv4 source cycles over src_count addresses
 * (src_base + i * src_stride), the header checksum fixed incrementally, in one of two ways:
 *  - per page (per_page = 1): the kernel recycles each frame's page from a page pool and
 *    keeps its bytes, so a source is written once, into a page that has none yet (marker
 *    byte 0, as the kernel copied it from the template), and the page keeps it. The frame's
 *    header is then not rewritten on its way to the receiver: as with a NIC's DMA, the
 *    receiver does not find it dirty in another core's cache (a cross-core transfer that
 *    cost every header-reading filter ~75 ns per packet below saturation here, and drop-all
 *    nothing; at full rate other costs hide it). Only
 *    as many sources circulate as pages do (a few hundred).
 *  - per frame (per_page = 0): every frame gets the next source, for floods spread over
 *    more sources than there are pages; each frame's header line is written by this core.
 *
 * Flow control (credits > 0): the generator keeps at most `credits` frames on their way to
 * the receiver: sent but neither taken off the peer's ring by its NAPI poll (counted by
 * count_polled on the napi_poll tracepoint) nor refused by it (count_refused on
 * xdp_devmap_xmit). Out of credit, it waits (see batch_has_credit). The veth ring (256
 * frames) then never overflows, so the generator never returns refused frames to the page
 * pool, whose ring the receiver fills with every frame it drops: without flow control the
 * two cores contend for the ring's producer lock, which at full rate costs the receiver
 * more than most filters do (README, Performance). The receiver still gets frames as fast
 * as it takes them, each poll finding a ring filled up to the credit. */
#include "gen_common.bpf.h"

/* The test run's batch size: user space makes every call a whole number of batches, so
 * a batch starts whenever `sent` is a multiple of it. */
const volatile __u32 batch_frames = 64;
__u64 waits_timed_out = 0;

/* Flow control: whether a whole batch of frames may go. */
static __always_inline int batch_has_credit(void) { return gen_has_credit(batch_frames); }

/* Out of credit, the generator waits in a loop rather than dropping frames: a frame this
 * program drops is returned to the page pool's ring under the producer lock that the
 * receiver takes for every frame it drops, the very contention flow control removes. It
 * waits only before the first frame of a test-run batch: the kernel wakes the receiver's
 * NAPI only when it flushes the frames sent, at the end of each batch, so a wait in the
 * middle of one could wait for frames the receiver has not been told about. The bound
 * (kWaitRounds times bpf_loop's maximum, a few hundred milliseconds) only matters if the
 * receiver stops taking frames; the batch then goes anyway, and any frames the ring
 * refuses are counted (and stop counting as in flight). */
#define kWaitLoops (1u << 23)
#define kWaitRounds 8
static long wait_for_credit(__u32 index, void *ctx) { return batch_has_credit(); }

SEC("xdp")
int live_gen(struct xdp_md *ctx) {
  /* Pacing in the program: finer pacing from user space is impossible, since every
   * live-frames BPF_PROG_TEST_RUN call costs tens of milliseconds of setup and teardown. */
  gen_spin();
  if (credits) {
    if (sent % batch_frames == 0) {
      for (int i = 0; i < kWaitRounds && !batch_has_credit(); i++)
        bpf_loop(kWaitLoops, wait_for_credit, 0, 0);
      if (!batch_has_credit()) waits_timed_out++;
    }
    sent++;
  }
  gen_rewrite_source(ctx);
  return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
