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
#include <linux/bpf.h>
#include <linux/if_ether.h>
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

/* Flow control; see the top of this file. The devices are named by ifindex and network
 * namespace inode, since ifindexes repeat across namespaces. */
const volatile __u32 credits = 0;
const volatile __s32 peer_ifindex = 0;
const volatile __u32 peer_netns = 0;
const volatile __s32 own_ifindex = 0;
const volatile __u32 own_netns = 0;
/* The test run's batch size: user space makes every call a whole number of batches, so
 * a batch starts whenever `sent` is a multiple of it. */
const volatile __u32 batch_frames = 64;
/* `taken` has its own cache line: it is written by the receiving core, the rest by the
 * generator's. Frames sent with XDP_TX, taken off the peer's ring, and refused by it. */
__u64 sent __attribute__((aligned(64))) = 0;
__u64 refused = 0;
__u64 waits_timed_out = 0;
__u64 taken __attribute__((aligned(64))) = 0;

static __always_inline int is_device(const struct net_device *dev, __s32 ifindex, __u32 netns) {
  return dev->ifindex == ifindex && dev->nd_net.net->ns.inum == netns;
}

SEC("tp_btf/napi_poll")
int BPF_PROG(count_polled, struct napi_struct *napi, int work, int budget) {
  if (work > 0 && is_device(napi->dev, peer_ifindex, peer_netns))
    __sync_fetch_and_add(&taken, work);
  return 0;
}

SEC("tp_btf/xdp_devmap_xmit")
int BPF_PROG(count_refused, const struct net_device *from_dev, const struct net_device *to_dev,
             int frames_sent, int drops, int err) {
  if (drops > 0 && is_device(to_dev, own_ifindex, own_netns)) __sync_fetch_and_add(&refused, drops);
  return 0;
}

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

/* Flow control: whether a whole batch of frames may go. One generator core: only `taken`
 * and `refused` change under us, and both only grow. Signed: the peer also takes the few
 * frames the generator's own stack sends (IPv6 neighbour discovery), so `taken` can pass
 * `sent`. */
static __always_inline int batch_has_credit(void) {
  __s64 in_flight = sent - *(volatile __u64 *)&taken - *(volatile __u64 *)&refused;
  return in_flight + batch_frames <= (__s64)credits;
}

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
  if (spin) bpf_loop(spin, spin_once, 0, 0);
  if (credits) {
    if (sent % batch_frames == 0) {
      for (int i = 0; i < kWaitRounds && !batch_has_credit(); i++)
        bpf_loop(kWaitLoops, wait_for_credit, 0, 0);
      if (!batch_has_credit()) waits_timed_out++;
    }
    sent++;
  }
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
