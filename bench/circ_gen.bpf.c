// SPDX-License-Identifier: GPL-2.0
/* Traffic generator for the veth benchmarks on kernels that refuse XDP live frames
 * (bench/flood_gen.cc, engine "circulate"). A few hundred frames circulate between the two
 * ends of a veth pair in the generator's namespace, A and B, with no user space after a
 * seed:
 *  - circ_rewrite, on A, gives the frame its next source (gen_rewrite_source) and sends
 *    it back out of A with XDP_TX, onto B's ring;
 *  - circ_fanout, on B, with credit sends it to both slots of `fanout` (one redirect with
 *    BPF_F_BROADCAST): slot 0, the generator's end of the measured pair, gets a copy, which
 *    arrives at the receiver by ndo_xdp_xmit as a native xdp_frame (no skb, so the
 *    receiver's XDP costs what it would with a NIC); slot 1, B itself, gets the frame
 *    back, i.e. onto A's ring. Without credit it only sends the frame back (XDP_TX).
 * Both NAPI threads (threaded NAPI) run on the generator's core; the receiver's on another.
 * The copy is made by devmap broadcast (xdpf_clone: a fresh page, the frame copied into
 * it) on the generator's core, so the receiver reads a header line that core has just
 * written and frees a page that core allocated: every frame is like live_gen's
 * --rewrite frame, whatever per_page says (per_page only decides whether the circulating
 * frame keeps its first source).
 * Flow control (credits > 0) is live_gen's, counted per frame instead of per batch: the
 * veth ring never refuses a copy, and frames out of credit circulate without one, so the
 * receiver gets them as fast as it takes them (up to the circulation's rate). */
#include "bench_frame.h"
#include "gen_common.bpf.h"

/* 1 while the flood runs; 0 makes both programs drop what circulates, which ends it. */
volatile __u32 running = 0;
/* Frames that went round the loop (circ_rewrite runs). */
__u64 circulated = 0;

struct {
  __uint(type, BPF_MAP_TYPE_DEVMAP);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u32);
} fanout SEC(".maps");

/* Only the flood's own frames circulate (IPv4 UDP, as flood_gen builds them): anything the
 * namespace's stack sends out of A or B is dropped, or it would circulate for ever. */
static __always_inline int is_flood_frame(struct xdp_md *ctx) {
  struct iphdr *ip = bench_ipv4(ctx);
  return ip && ip->protocol == IPPROTO_UDP;
}

SEC("xdp")
int circ_rewrite(struct xdp_md *ctx) {
  if (!running || !is_flood_frame(ctx)) return XDP_DROP;
  gen_spin();
  gen_rewrite_source(ctx);
  circulated++; /* both programs run on the generator's core: no atomics needed */
  return XDP_TX;
}

SEC("xdp")
int circ_fanout(struct xdp_md *ctx) {
  if (!running) return XDP_DROP;
  if (credits && !gen_has_credit(1)) return XDP_TX;
  sent++;
  return bpf_redirect_map(&fanout, 0, BPF_F_BROADCAST);
}

char LICENSE[] SEC("license") = "GPL";
