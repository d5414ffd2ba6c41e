// SPDX-License-Identifier: GPL-2.0
// Flood generator for the veth benchmarks: BPF_PROG_TEST_RUN with
// BPF_F_TEST_XDP_LIVE_FRAMES runs live_gen.bpf.c on a UDP frame built here, and its XDP_TX
// sends every run out of --dev (the generator's end of a veth pair) to the peer. The
// kernel recycles the frames from a page pool, so one core offers several Mpps, far more
// than sendto()-based tools (0.3-0.4 Mpps on this class of machine). Runs for --seconds and
// prints the frames offered (some may be refused by the peer: see veth's xdp_xmit_errors).
//
//   live_gen --dev IF --dst-mac MAC --src IP --dst IP [--sources N --stride S]
//            [--rewrite page|frame] [--seconds T] [--size BYTES] [--spin N]
//            [--credits N --peer-netns PATH --peer-dev IF]
// --credits N: flow control (live_gen.bpf.c): at most N frames on their way to the peer
// (--peer-dev in the network namespace --peer-netns, e.g. /run/netns/NAME), so the veth
// ring never refuses one; the flood runs as fast as the receiver takes frames.
// --sources N: the source cycles over N addresses; --rewrite page (default) writes each
// recycled page's source once, frame rewrites every frame (see live_gen.bpf.c for why).
// --spin N slows the generator with N iterations of busy work per frame, for a steady lower
// rate (the same for every filter, below what each absorbs). Pacing from user space does
// not work: each live-frames test run costs tens of milliseconds to set up and tear down.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "live_gen_bpf.skel.h"
#include "packet_builder.h"

namespace {

struct Options {
  std::string dev, dst_mac, src, dst;
  uint32_t sources = 1, stride = 1;
  bool per_page = true;  // --rewrite page (default) or frame
  double seconds = 3;
  size_t size = 64;  // frame length without FCS
  uint32_t spin = 0;  // busy work per frame (bpf_loop iterations): a slower, steady rate
  uint32_t credits = 0;  // flow control: frames in flight at most (0: none, open loop)
  std::string peer_netns, peer_dev;
};

// Frames per test-run batch (the kernel flushes the frames sent at the end of each). With
// flow control a batch goes only with credit for all its frames (live_gen.bpf.c), so it is
// smaller: the receiver then finds at least credits - batch frames waiting.
constexpr uint32_t kBatchFrames = 256, kFlowControlBatchFrames = 64;
// The veth ring holds 256 frames; more credit than that would let it overflow. Less than
// two batches would let the receiver's ring run dry while the generator waits.
constexpr uint32_t kMinCredits = 2 * kFlowControlBatchFrames, kMaxCredits = 256;

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "live_gen: %s\nusage: live_gen --dev IF --dst-mac MAC --src IP --dst IP "
               "[--sources N --stride S] [--rewrite page|frame] [--seconds T] [--size BYTES] "
               "[--spin N] [--credits N --peer-netns PATH --peer-dev IF]\n",
               why);
  std::exit(2);
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (i + 1 >= argc) Usage(("missing value for " + a).c_str());
    const char* v = argv[++i];
    if (a == "--dev") o.dev = v;
    else if (a == "--dst-mac") o.dst_mac = v;
    else if (a == "--src") o.src = v;
    else if (a == "--dst") o.dst = v;
    else if (a == "--sources") o.sources = static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
    else if (a == "--stride") o.stride = static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
    else if (a == "--rewrite" && (std::strcmp(v, "page") == 0 || std::strcmp(v, "frame") == 0))
      o.per_page = std::strcmp(v, "page") == 0;
    else if (a == "--seconds") o.seconds = std::strtod(v, nullptr);
    else if (a == "--size") o.size = std::strtoul(v, nullptr, 10);
    else if (a == "--spin") o.spin = static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
    else if (a == "--credits") o.credits = static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
    else if (a == "--peer-netns") o.peer_netns = v;
    else if (a == "--peer-dev") o.peer_dev = v;
    else Usage(("unknown option or value: " + a + " " + v).c_str());
  }
  if (o.dev.empty() || o.dst_mac.empty() || o.src.empty() || o.dst.empty())
    Usage("--dev, --dst-mac, --src and --dst are required");
  if (o.sources == 0 || o.seconds <= 0 || o.seconds > 600 || o.size < 60 || o.size > 1500 ||
      o.spin > 1000000)
    Usage("--sources >= 1, 0 < --seconds <= 600, 60 <= --size <= 1500, --spin <= 1000000");
  if (o.credits != 0 && (o.credits < kMinCredits || o.credits > kMaxCredits))
    Usage("--credits from 128 to 256 (the veth ring's size)");
  if ((o.credits > 0) != (!o.peer_netns.empty() && !o.peer_dev.empty()))
    Usage("--credits, --peer-netns and --peer-dev go together");
  return o;
}

std::string DeviceMac(const std::string& dev) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq req{};
  std::snprintf(req.ifr_name, IFNAMSIZ, "%s", dev.c_str());
  if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &req) != 0) {
    std::perror("SIOCGIFHWADDR");
    std::exit(1);
  }
  close(fd);
  const auto* m = reinterpret_cast<const unsigned char*>(req.ifr_hwaddr.sa_data);
  char buf[18];
  std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return buf;
}

// The inode that names a network namespace (what the kernel calls its inum).
uint32_t NetnsInode(const std::string& path) {
  struct stat st{};
  if (stat(path.c_str(), &st) != 0) {
    std::perror(path.c_str());
    std::exit(1);
  }
  return static_cast<uint32_t>(st.st_ino);
}

// The ifindex of `dev` in the network namespace at `netns_path`: enters it and comes back.
int PeerIfindex(const std::string& netns_path, const std::string& dev) {
  const int own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  const int peer = open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (own < 0 || peer < 0 || setns(peer, CLONE_NEWNET) != 0) {
    std::perror(("enter network namespace " + netns_path).c_str());
    std::exit(1);
  }
  const unsigned ifindex = if_nametoindex(dev.c_str());
  if (setns(own, CLONE_NEWNET) != 0) {
    std::perror("return to own network namespace");
    std::exit(1);
  }
  close(own);
  close(peer);
  if (ifindex == 0) Usage(("no interface " + dev + " in " + netns_path).c_str());
  return static_cast<int>(ifindex);
}

// The IPv4 header checksum of an Ethernet frame without VLAN tags.
void SetIpv4Checksum(xdpguard::test::Bytes* frame) {
  uint8_t* ip = frame->data() + 14;
  const size_t ihl = (ip[0] & 0x0f) * 4u;
  ip[10] = ip[11] = 0;
  uint32_t sum = 0;
  for (size_t i = 0; i < ihl; i += 2) sum += (uint32_t{ip[i]} << 8) | ip[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  const uint16_t check = static_cast<uint16_t>(~sum);
  ip[10] = static_cast<uint8_t>(check >> 8);
  ip[11] = static_cast<uint8_t>(check & 0xff);
}

}  // namespace

int main(int argc, char** argv) {
  Options o = Parse(argc, argv);
  const unsigned ifindex = if_nametoindex(o.dev.c_str());
  if (ifindex == 0) Usage(("no interface " + o.dev + " in this network namespace").c_str());
  in_addr src{};
  if (inet_pton(AF_INET, o.src.c_str(), &src) != 1) Usage("--src must be an IPv4 address");

  live_gen_bpf* skel = live_gen_bpf__open();
  if (!skel) {
    std::perror("open live_gen");
    return 1;
  }
  skel->rodata->src_count = o.sources;
  skel->rodata->src_base = ntohl(src.s_addr);
  skel->rodata->src_stride = o.stride;
  skel->rodata->spin = o.spin;
  skel->rodata->per_page = o.per_page;
  if (o.credits > 0) {
    skel->rodata->credits = o.credits;
    skel->rodata->peer_ifindex = PeerIfindex(o.peer_netns, o.peer_dev);
    skel->rodata->peer_netns = NetnsInode(o.peer_netns);
    skel->rodata->own_ifindex = static_cast<int>(ifindex);
    skel->rodata->own_netns = NetnsInode("/proc/self/ns/net");
    skel->rodata->batch_frames = kFlowControlBatchFrames;
  } else {  // open loop: the counting programs are not needed
    bpf_program__set_autoload(skel->progs.count_polled, false);
    bpf_program__set_autoload(skel->progs.count_refused, false);
  }
  if (int err = live_gen_bpf__load(skel); err) {
    std::fprintf(stderr, "load live_gen: %s\n", std::strerror(-err));
    return 1;
  }
  std::vector<bpf_link*> links;  // detached and freed at the end (ASan counts them as leaks)
  if (o.credits > 0) {
    for (bpf_program* counter : {skel->progs.count_polled, skel->progs.count_refused}) {
      bpf_link* link = bpf_program__attach(counter);
      if (!link) {
        std::fprintf(stderr, "attach %s: %s\n", bpf_program__name(counter), std::strerror(errno));
        return 1;
      }
      links.push_back(link);
    }
  }
  const size_t headers = 14 + 20 + 8;
  xdpguard::test::Bytes frame = xdpguard::test::PacketBuilder()
                                    .Eth(DeviceMac(o.dev), o.dst_mac)
                                    .Ipv4(o.src, o.dst)
                                    .Udp(40000, 9)
                                    .Payload(o.size - headers, 0)  // marker byte 0: no source yet
                                    .Build();
  SetIpv4Checksum(&frame);  // the builder leaves it zero; the receiving stack checks it
  xdp_md ctx{};
  ctx.ingress_ifindex = ifindex;
  ctx.data_end = static_cast<uint32_t>(frame.size());  // the kernel requires data_end == size
  // Frames per syscall, adapted so that each call runs about kCallSeconds: every live-frames
  // test run also spends tens of milliseconds setting up and tearing down its page pool
  // (mostly asleep), so short calls leave the generator idle most of the time (65,536-frame
  // calls kept it busy a quarter of the time, at about 2 Mpps).
  constexpr double kCallSeconds = 0.25;
  uint32_t per_call = 1u << 16;
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(),
              .data_size_in = static_cast<uint32_t>(frame.size()), .ctx_in = &ctx,
              .ctx_size_in = sizeof(ctx), .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
              .batch_size = o.credits > 0 ? kFlowControlBatchFrames : kBatchFrames);
  const int prog = bpf_program__fd(skel->progs.live_gen);
  uint64_t sent = 0;  // with flow control too: the program waits for credit, never drops
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(o.seconds);
  for (auto now = start; now < deadline;) {
    opts.repeat = static_cast<int>(per_call);
    if (int err = bpf_prog_test_run_opts(prog, &opts); err) {
      std::fprintf(stderr, "BPF_PROG_TEST_RUN (live frames): %s\n", std::strerror(-err));
      return 1;
    }
    sent += per_call;
    const auto after = Clock::now();
    const double took = std::chrono::duration<double>(after - now).count();
    const double left = std::chrono::duration<double>(deadline - after).count();
    // The next call: kCallSeconds at the rate just seen, never far past the deadline.
    const double next = (per_call / std::max(took, 1e-6)) * std::min(kCallSeconds, left);
    per_call = static_cast<uint32_t>(std::clamp(next, 4096.0, double(1u << 26)));
    per_call -= per_call % opts.batch_size;  // whole batches: live_gen.bpf.c counts them
    now = after;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("frames=%llu seconds=%.3f mpps=%.3f sources_written=%llu", (unsigned long long)sent,
              secs, sent / secs / 1e6, (unsigned long long)skel->bss->assigned);
  if (o.credits > 0) {
    // Frames still in flight at the end are neither taken nor refused yet.
    std::printf(" credits=%u taken=%llu refused=%llu waits_timed_out=%llu", o.credits,
                (unsigned long long)skel->bss->taken, (unsigned long long)skel->bss->refused,
                (unsigned long long)skel->bss->waits_timed_out);
    if (skel->bss->waits_timed_out > 0)
      std::fprintf(stderr, "live_gen: %llu batches waited in vain for credit: the receiver stopped "
                   "taking frames for a few hundred milliseconds, or frames were lost uncounted\n",
                   (unsigned long long)skel->bss->waits_timed_out);
  }
  std::printf("\n");
  for (bpf_link* link : links) bpf_link__destroy(link);
  live_gen_bpf__destroy(skel);
  return 0;
}
