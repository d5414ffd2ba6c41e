// SPDX-License-Identifier: GPL-2.0
/* Pieces both flood generators share (live_gen.bpf.c: live-frames test runs;
 * circ_gen.bpf.c: frames circulating between two veths): the source rewrite and the
 * flow-control credit, counted on the receiver's side by two tracepoint programs.
 *
 * The includer gets, as globals it may read from user space through its skeleton:
 * rodata src_count/src_base/src_stride/per_page (the sources), spin (pacing), credits and
 * the peer_ and own_ devices (flow control), and bss `sent`, `refused`, `taken`, `assigned`. It counts `sent` itself
 * (what leaves towards the receiver) and calls gen_spin and gen_rewrite_source on each frame. */
#ifndef XDPGUARD_BENCH_GEN_COMMON_BPF_H_
#define XDPGUARD_BENCH_GEN_COMMON_BPF_H_

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* The few kernel fields the tracepoint programs read; CO-RE finds them in the running
 * kernel's BTF. */
struct ns_common {
  unsigned int inum;
} __attribute__((preserve_access_index));
struct net {
  struct ns_common ns;
} __attribute__((preserve_access_index));
typedef struct {
  struct net *net;
} possible_net_t;
struct net_device {
  int ifindex;
  possible_net_t nd_net;
} __attribute__((preserve_access_index));
struct napi_struct {
  struct net_device *dev;
} __attribute__((preserve_access_index));

/* ---- sources ---------------------------------------------------------------------- */
const volatile __u32 src_count = 1;
const volatile __u32 src_base = 0; /* host order */
const volatile __u32 src_stride = 1;
/* 1: a frame buffer gets a source once and keeps it (marker byte set); 0: every frame
 * gets the next source. See the generators' header comments for what each means. */
const volatile __u8 per_page = 1;
/* Sources written so far (per page: the buffers that got one). One generator core: no
 * atomics needed. */
__u64 assigned = 0;

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
} gen_next SEC(".maps");

/* RFC 1624 incremental update of a 16-bit one's complement checksum for a changed
 * 32-bit field. */
static __always_inline __u16 gen_csum_replace4(__u16 check, __u32 from, __u32 to) {
  __u32 sum = (__u16)~check;
  sum += (__u16)~(from >> 16) + (__u16)~(from & 0xffff);
  sum += (to >> 16) + (to & 0xffff);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return (__u16)~sum;
}

/* Gives an IPv4/UDP frame the next source (src_base + i * src_stride, i cycling below
 * src_count), the header checksum fixed incrementally; with per_page, only a frame whose
 * first payload byte (the marker) is still 0, which it then sets. Other frames are left
 * as they are. */
static __always_inline void gen_rewrite_source(struct xdp_md *ctx) {
  if (src_count <= 1) return;
  void *data = (void *)(long)ctx->data;
  void *end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  struct iphdr *ip = (void *)(eth + 1);
  __u8 *marker = (void *)ip + sizeof(*ip) + sizeof(struct udphdr);
  if ((void *)(marker + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP)) return;
  if (per_page && *marker) return;
  __u32 key = 0;
  __u32 *next = bpf_map_lookup_elem(&gen_next, &key);
  if (!next) return;
  __u32 i = *next;
  *next = i + 1 >= src_count ? 0 : i + 1;
  __u32 from = ip->saddr;
  __u32 to = bpf_htonl(src_base + i * src_stride);
  ip->saddr = to;
  ip->check = gen_csum_replace4(ip->check, from, to);
  if (per_page) *marker = 1;
  assigned++;
}

/* Busy work per frame (bpf_loop iterations) that slows the generator down to a lower,
 * steady rate, the same for every filter (the paced flood). */
const volatile __u32 spin = 0;

static long gen_spin_once(__u32 index, void *ctx) { return 0; }

static __always_inline void gen_spin(void) {
  if (spin) bpf_loop(spin, gen_spin_once, 0, 0);
}

/* ---- flow control ------------------------------------------------------------------- */
/* At most `credits` frames on their way to the receiver (0: open loop): sent, but neither
 * taken off the peer's ring by its NAPI poll (count_polled) nor refused by it
 * (count_refused). Devices are named by ifindex and network namespace inode, since
 * ifindexes repeat across namespaces. */
const volatile __u32 credits = 0;
const volatile __s32 peer_ifindex = 0;
const volatile __u32 peer_netns = 0;
const volatile __s32 own_ifindex = 0;
const volatile __u32 own_netns = 0;
/* `taken` has its own cache line: it is written by the receiving core, the rest by the
 * generator's. */
__u64 sent __attribute__((aligned(64))) = 0;
__u64 refused = 0;
__u64 taken __attribute__((aligned(64))) = 0;

static __always_inline int gen_is_device(const struct net_device *dev, __s32 ifindex,
                                         __u32 netns) {
  return dev->ifindex == ifindex && dev->nd_net.net->ns.inum == netns;
}

SEC("tp_btf/napi_poll")
int BPF_PROG(count_polled, struct napi_struct *napi, int work, int budget) {
  if (work > 0 && gen_is_device(napi->dev, peer_ifindex, peer_netns))
    __sync_fetch_and_add(&taken, work);
  return 0;
}

SEC("tp_btf/xdp_devmap_xmit")
int BPF_PROG(count_refused, const struct net_device *from_dev, const struct net_device *to_dev,
             int frames_sent, int drops, int err) {
  if (drops > 0 && gen_is_device(to_dev, own_ifindex, own_netns))
    __sync_fetch_and_add(&refused, drops);
  return 0;
}

/* Whether `frames` more may go. One generator core: only `taken` and `refused` change
 * under us, and both only grow. Signed: the peer also takes the few frames the
 * generator's own stack sends (IPv6 neighbour discovery), so `taken` can pass `sent`. */
static __always_inline int gen_has_credit(__u32 frames) {
  __s64 in_flight = sent - *(volatile __u64 *)&taken - *(volatile __u64 *)&refused;
  return in_flight + frames <= (__s64)credits;
}

#endif  // XDPGUARD_BENCH_GEN_COMMON_BPF_H_
