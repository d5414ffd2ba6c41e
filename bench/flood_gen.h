// SPDX-License-Identifier: GPL-2.0
// The veth benchmark's flood generator (bench/flood_gen.cc): what its two engines share.
// Engine "live" (flood_gen_live.cc) runs live_gen.bpf.c by BPF_PROG_TEST_RUN with
// BPF_F_TEST_XDP_LIVE_FRAMES; engine "circulate" (flood_gen_circ.cc) keeps frames
// circulating between two veths (circ_gen.bpf.c) for kernels that refuse live frames.
// Both print one line: frames=N seconds=S mpps=M sources_written=W [credits=.. taken=..
// refused=..] engine=NAME; frames are those sent towards the receiver.
#ifndef XDPGUARD_BENCH_FLOOD_GEN_H_
#define XDPGUARD_BENCH_FLOOD_GEN_H_

#include <bpf/libbpf.h>

#include <cstdint>
#include <string>

#include "packet_builder.h"

namespace flood_gen {

struct Options {
  std::string engine = "auto";  // live, circulate, or auto (live where the kernel allows it)
  bool probe = false;           // only say which engine can run here, and exit
  std::string dev, dst_mac, src, dst;
  uint32_t sources = 1, stride = 1;
  bool per_page = true;  // --rewrite page (default) or frame
  double seconds = 3;
  size_t size = 64;      // frame length without FCS
  uint32_t spin = 0;     // busy work per frame (bpf_loop iterations): a slower, steady rate
  uint32_t credits = 0;  // flow control: frames in flight at most (0: none, open loop)
  std::string peer_netns, peer_dev;
  // Engine "circulate": the two ends of the loop pair and how many frames circulate.
  std::string loop_a, loop_b;
  uint32_t population = 0;  // 0: the engine's default
};

// What the engines write into their skeleton's rodata: the device the flood leaves by
// and, with flow control, the two devices the credit is counted on.
struct Devices {
  unsigned ifindex = 0;  // --dev in this namespace
  int peer_ifindex = 0;
  uint32_t peer_netns = 0, own_netns = 0;
};

// The frame every engine starts from: Ethernet from --dev's MAC to --dst-mac, IPv4 --src to
// --dst, UDP 40000 -> 9 (discard), --size bytes, header checksum set, marker byte 0.
xdpguard::test::Bytes FloodFrame(const Options& o);

uint32_t SourceBase(const Options& o);  // --src, host order

// Fills the source and flow-control fields that gen_common.bpf.h declares; any skeleton
// whose object includes it has them all.
template <class Rodata>
void SetCommonRodata(Rodata* r, const Options& o, const Devices& d) {
  r->src_count = o.sources;
  r->src_base = SourceBase(o);
  r->src_stride = o.stride;
  r->spin = o.spin;
  r->per_page = o.per_page;
  if (o.credits > 0) {
    r->credits = o.credits;
    r->peer_ifindex = d.peer_ifindex;
    r->peer_netns = d.peer_netns;
    r->own_ifindex = static_cast<int>(d.ifindex);
    r->own_netns = d.own_netns;
  }
}
// The flow-control counters (count_polled, count_refused): without credits they are not
// loaded (call before load); with credits AttachCounters attaches them into links[0..1]
// and returns false with a message on stderr if the kernel refuses.
void SkipCountersUnlessCredits(const Options& o, bpf_program* polled, bpf_program* refused);
bool AttachCounters(const Options& o, bpf_program* polled, bpf_program* refused,
                    bpf_link* links[2]);

// The result line (see the top of this file) on stdout.
void PrintResult(const char* engine, uint64_t frames, double seconds, uint64_t assigned,
                 const Options& o, uint64_t taken, uint64_t refused);

// The engines. Each returns the process's exit code; a refusal by the kernel that the
// other engine could avoid (live frames: EPERM, EOPNOTSUPP, EINVAL) is kRefused.
constexpr int kRefused = 3;
int RunLive(const Options& o, const Devices& d, bool probe_only);
int RunCirculate(const Options& o, const Devices& d, bool probe_only);

}  // namespace flood_gen

#endif  // XDPGUARD_BENCH_FLOOD_GEN_H_
