// SPDX-License-Identifier: GPL-2.0
/* Traffic generator for the veth benchmarks (bench/live_gen.cc): run by BPF_PROG_TEST_RUN
 * with BPF_F_TEST_XDP_LIVE_FRAMES, it sends each frame out of the generator's veth with
 * XDP_TX. With src_count > 1 it rewrites the IPv4 source of every frame to the next of
 * src_count addresses (src_base + i * src_stride), fixing the header checksum, so the
 * receiver sees a flood spread over many sources instead of one hot key. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 src_count = 1;
const volatile __u32 src_base = 0;   /* host order */
const volatile __u32 src_stride = 1;
/* Busy work per frame (bpf_loop iterations) that slows the generator down to a lower,
 * steady rate: finer pacing from user space is impossible, since every live-frames
 * BPF_PROG_TEST_RUN call costs tens of milliseconds of setup and teardown. */
const volatile __u32 spin = 0;

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
} gen_next SEC(".maps");

/* RFC 1624 incremental update of a 16-bit one's complement checksum for a changed
 * 32-bit field. */
static __always_inline __u16 csum_replace4(__u16 check, __u32 from, __u32 to) {
  __u32 sum = (__u16)~check;
  sum += (__u16)~(from >> 16) + (__u16)~(from & 0xffff);
  sum += (to >> 16) + (to & 0xffff);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return (__u16)~sum;
}

static long spin_once(__u32 index, void *ctx) { return 0; }

SEC("xdp")
int live_gen(struct xdp_md *ctx) {
  if (spin) bpf_loop(spin, spin_once, 0, 0);
  if (src_count <= 1) return XDP_TX;
  void *data = (void *)(long)ctx->data;
  void *end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_TX;
  __u32 key = 0;
  __u32 *next = bpf_map_lookup_elem(&gen_next, &key);
  if (!next) return XDP_TX;
  __u32 i = *next;
  *next = i + 1 >= src_count ? 0 : i + 1;
  __u32 from = ip->saddr;
  __u32 to = bpf_htonl(src_base + i * src_stride);
  ip->saddr = to;
  ip->check = csum_replace4(ip->check, from, to);
  return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
