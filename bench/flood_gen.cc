// SPDX-License-Identifier: GPL-2.0
// Flood generator for the veth benchmarks (scripts/bench.sh): sends 64-byte UDP frames out
// of --dev (the generator's end of a veth pair) to the peer, at several Mpps from one core,
// far more than sendto()-based tools (0.3-1.3 Mpps on this class of machine). Two engines:
//  - live: BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES runs live_gen.bpf.c, whose
//    XDP_TX sends every run; the kernel recycles the frames from a page pool;
//  - circulate: frames circulate between the two ends of a veth pair (--loop-a, --loop-b)
//    and a devmap broadcast copies each to --dev (circ_gen.bpf.c), for kernels that refuse
//    live frames (EPERM: lockdown, some cloud kernels).
// --engine auto (default) uses live where the kernel allows it, else circulate. --probe
// only prints the engine auto would use ("live" or "circulate") and exits 0, or exits 1
// with both reasons if neither can run. Runs for --seconds and prints the frames sent.
//
//   flood_gen --dev IF --dst-mac MAC --src IP --dst IP [--sources N --stride S]
//             [--rewrite page|frame] [--seconds T] [--size BYTES] [--spin N]
//             [--credits N --peer-netns PATH --peer-dev IF]
//             [--engine auto|live|circulate] [--loop-a IF --loop-b IF [--population N]]
//             [--probe]
// --credits N: flow control (gen_common.bpf.h): at most N frames on their way to the peer
// (--peer-dev in the network namespace --peer-netns, e.g. /run/netns/NAME), so the veth
// ring never refuses one; the flood runs as fast as the receiver takes frames.
// --sources N: the source cycles over N addresses; --rewrite page (default) writes each
// frame buffer's source once, frame rewrites every frame (see the .bpf.c files for what
// each engine then gives the receiver). --spin N slows the generator with N iterations of
// busy work per frame, for a steady lower rate (the same for every filter).
#include "flood_gen.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace flood_gen {
namespace {

// The veth ring holds 256 frames; more credit than that would let it overflow. Less than
// two test-run batches (64 frames) would let the receiver's ring run dry while the live
// engine waits.
constexpr uint32_t kMinCredits = 128, kMaxCredits = 256;

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr,
               "flood_gen: %s\nusage: flood_gen --dev IF --dst-mac MAC --src IP --dst IP "
               "[--sources N --stride S] [--rewrite page|frame] [--seconds T] [--size BYTES] "
               "[--spin N] [--credits N --peer-netns PATH --peer-dev IF] "
               "[--engine auto|live|circulate] [--loop-a IF --loop-b IF [--population N]] "
               "[--probe]\n",
               why.c_str());
  std::exit(2);
}

uint32_t Number(const std::string& flag, const char* v) {
  char* end = nullptr;
  errno = 0;
  const unsigned long n = std::strtoul(v, &end, 10);
  if (errno != 0 || end == v || *end != '\0' || n > UINT32_MAX)
    Usage(flag + " needs a number, not '" + v + "'");
  return static_cast<uint32_t>(n);
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--probe") {
      o.probe = true;
      continue;
    }
    if (i + 1 >= argc) Usage("missing value for " + a);
    const char* v = argv[++i];
    if (a == "--dev") o.dev = v;
    else if (a == "--dst-mac") o.dst_mac = v;
    else if (a == "--src") o.src = v;
    else if (a == "--dst") o.dst = v;
    else if (a == "--sources") o.sources = Number(a, v);
    else if (a == "--stride") o.stride = Number(a, v);
    else if (a == "--rewrite" && (std::strcmp(v, "page") == 0 || std::strcmp(v, "frame") == 0))
      o.per_page = std::strcmp(v, "page") == 0;
    else if (a == "--seconds") o.seconds = std::strtod(v, nullptr);
    else if (a == "--size") o.size = Number(a, v);
    else if (a == "--spin") o.spin = Number(a, v);
    else if (a == "--credits") o.credits = Number(a, v);
    else if (a == "--peer-netns") o.peer_netns = v;
    else if (a == "--peer-dev") o.peer_dev = v;
    else if (a == "--engine" && (std::strcmp(v, "auto") == 0 || std::strcmp(v, "live") == 0 ||
                                 std::strcmp(v, "circulate") == 0))
      o.engine = v;
    else if (a == "--loop-a") o.loop_a = v;
    else if (a == "--loop-b") o.loop_b = v;
    else if (a == "--population") o.population = Number(a, v);
    else Usage("unknown option or value: " + a + " " + v);
  }
  if (o.dev.empty() || o.dst_mac.empty() || o.src.empty() || o.dst.empty())
    Usage("--dev, --dst-mac, --src and --dst are required");
  if (o.sources == 0 || !(o.seconds > 0) || o.seconds > 600 || o.size < 60 || o.size > 1500 ||
      o.spin > 1000000)
    Usage("--sources >= 1, 0 < --seconds <= 600, 60 <= --size <= 1500, --spin <= 1000000");
  if (o.credits != 0 && (o.credits < kMinCredits || o.credits > kMaxCredits))
    Usage("--credits from 128 to 256 (the veth ring's size)");
  if ((o.credits > 0) != (!o.peer_netns.empty() && !o.peer_dev.empty()))
    Usage("--credits, --peer-netns and --peer-dev go together");
  if (o.loop_a.empty() != o.loop_b.empty()) Usage("--loop-a and --loop-b go together");
  if (o.engine == "circulate" && o.loop_a.empty())
    Usage("--engine circulate needs --loop-a and --loop-b");
  if (o.population > 224) Usage("--population up to 224 (a veth ring holds 256 frames)");
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
  if (ifindex == 0) Usage("no interface " + dev + " in " + netns_path);
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

uint32_t SourceBase(const Options& o) {
  in_addr src{};
  if (inet_pton(AF_INET, o.src.c_str(), &src) != 1) Usage("--src must be an IPv4 address");
  return ntohl(src.s_addr);
}

xdpguard::test::Bytes FloodFrame(const Options& o) {
  const size_t headers = 14 + 20 + 8;
  xdpguard::test::Bytes frame = xdpguard::test::PacketBuilder()
                                    .Eth(DeviceMac(o.dev), o.dst_mac)
                                    .Ipv4(o.src, o.dst)
                                    .Udp(40000, 9)
                                    .Payload(o.size - headers, 0)  // marker byte 0: no source yet
                                    .Build();
  SetIpv4Checksum(&frame);  // the builder leaves it zero; the receiving stack checks it
  return frame;
}

void SkipCountersUnlessCredits(const Options& o, bpf_program* polled, bpf_program* refused) {
  if (o.credits > 0) return;
  bpf_program__set_autoload(polled, false);
  bpf_program__set_autoload(refused, false);
}

bool AttachCounters(const Options& o, bpf_program* polled, bpf_program* refused,
                    bpf_link* links[2]) {
  if (o.credits == 0) return true;
  bpf_program* counters[2] = {polled, refused};
  for (int i = 0; i < 2; i++) {
    links[i] = bpf_program__attach(counters[i]);
    if (!links[i]) {
      std::fprintf(stderr, "flood_gen: attach %s: %s\n", bpf_program__name(counters[i]),
                   std::strerror(errno));
      return false;
    }
  }
  return true;
}

void PrintResult(const char* engine, uint64_t frames, double seconds, uint64_t assigned,
                 const Options& o, uint64_t taken, uint64_t refused) {
  std::printf("frames=%llu seconds=%.3f mpps=%.3f sources_written=%llu",
              (unsigned long long)frames, seconds, frames / seconds / 1e6,
              (unsigned long long)assigned);
  // Frames still in flight at the end are neither taken nor refused yet.
  if (o.credits > 0)
    std::printf(" credits=%u taken=%llu refused=%llu", o.credits, (unsigned long long)taken,
                (unsigned long long)refused);
  std::printf(" engine=%s\n", engine);
}

}  // namespace flood_gen

int main(int argc, char** argv) {
  using namespace flood_gen;
  Options o = Parse(argc, argv);
  Devices d;
  d.ifindex = if_nametoindex(o.dev.c_str());
  if (d.ifindex == 0) Usage("no interface " + o.dev + " in this network namespace");
  if (o.credits > 0) {
    d.peer_ifindex = PeerIfindex(o.peer_netns, o.peer_dev);
    d.peer_netns = NetnsInode(o.peer_netns);
    d.own_netns = NetnsInode("/proc/self/ns/net");
  }
  if (o.probe) {
    // Which engine auto would run: live if a one-frame live run goes through.
    if (RunLive(o, d, /*probe_only=*/true) == 0) {
      std::printf("live\n");
      return 0;
    }
    if (!o.loop_a.empty() && RunCirculate(o, d, /*probe_only=*/true) == 0) {
      std::printf("circulate\n");
      return 0;
    }
    std::fprintf(stderr, "flood_gen: neither engine can run here (reasons above)%s\n",
                 o.loop_a.empty() ? "; circulate needs --loop-a and --loop-b" : "");
    return 1;
  }
  if (o.engine == "live") return RunLive(o, d, false);
  if (o.engine == "circulate") return RunCirculate(o, d, false);
  const int rc = RunLive(o, d, false);
  if (rc != kRefused || o.loop_a.empty()) return rc;
  std::fprintf(stderr, "flood_gen: live frames refused; circulating instead\n");
  return RunCirculate(o, d, false);
}
