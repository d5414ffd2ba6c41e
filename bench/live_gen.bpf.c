// SPDX-License-Identifier: GPL-2.0
/* Traffic generator for the veth benchmarks (bench/live_gen.cc): run by BPF_PROG_TEST_RUN
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
 *    more sources than there are pages; each frame's header line is written by this core. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 src_count = 1;
const volatile __u32 src_base = 0;   /* host order */
const volatile __u32 src_stride = 1;
const volatile __u8 per_page = 1;
/* Busy work per frame (bpf_loop iterations) that slows the generator down to a lower,
 * steady rate: finer pacing from user space is impossible, since every live-frames
 * BPF_PROG_TEST_RUN call costs tens of milliseconds of setup and teardown. */
const volatile __u32 spin = 0;
/* Sources written so far (per page: the pages that got one). */
__u64 assigned = 0;

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
  /* The first payload byte marks a page that already has its source. */
  __u8 *marker = (void *)ip + sizeof(*ip) + sizeof(struct udphdr);
  if ((void *)(marker + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_TX;
  if (per_page && *marker) return XDP_TX;
  __u32 key = 0;
  __u32 *next = bpf_map_lookup_elem(&gen_next, &key);
  if (!next) return XDP_TX;
  __u32 i = *next;
  *next = i + 1 >= src_count ? 0 : i + 1;
  __u32 from = ip->saddr;
  __u32 to = bpf_htonl(src_base + i * src_stride);
  ip->saddr = to;
  ip->check = csum_replace4(ip->check, from, to);
  if (per_page) *marker = 1;
  assigned++; /* one generator core: no atomics needed */
  return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
