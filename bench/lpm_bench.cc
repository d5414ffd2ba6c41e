// SPDX-License-Identifier: GPL-2.0
// Datapath cost benchmark: ns per packet via BPF_PROG_TEST_RUN for xdpguard's program and
// for a bare LPM-lookup program on the same map type, with 1k, 100k and 1M random
// prefixes loaded (realistic length mix), hot (one repeated packet) and cold (many
// different sources), with and without the per-CPU verdict cache (a second copy of the
// program sharing the same maps, loaded with the cache compiled out). Rounds are
// interleaved and medians reported, minus an empty XDP_PASS program measured in the same
// rounds. The "xdpguard / bare hash" column is the median of the per-round ratios, with
// their range: this host's speed drifts between runs by more than the two programs
// differ, and a ratio taken within a round cancels most of it. Every program makes one
// untimed pass over a scenario's frames before the rounds (the bare hash is filled just
// before the rows run, xdpguard's tables long before). The "without verdict cache" column
// runs right after xdpguard's on the same frames and maps, so it finds lines xdpguard just
// loaded: on cold rows it reads low. The bare hash holds the prefixes' addresses and the
// cold rows' sources, inserted in a shuffled order (XG_BENCH_KEYS_IN_ORDER=1: sources
// last, as before 2026-12-03). A second table measures flow tracking
// (off / matched / all) and a rate-limited source; ARP rows run with a gateway guard for
// 192.0.2.1 on the test device. Needs root. Prints Markdown tables.
//
// Usage: sudo build/bench/lpm_bench [--rounds N] [--sizes 1000,100000,1000000]
//                                   [--filter TEXT]  (only scenarios whose name has TEXT)
//                                   [--flows off|matched|all]  (the first table's flow
//                                   tracking; default the product's, matched, drops 1 in 16)
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <array>
#include <random>
#include <string>
#include <vector>

#include "bare_lpm_bpf.skel.h"
#include "bucket_builder.h"
#include "bucket_probe_bpf.skel.h"
#include "datapath/datapath_object.h"
#include "datapath/interface_config.h"
#include "lists/manual_rules.h"
#include "datapath/keys.h"
#include "datapath/libbpf_map.h"
#include "datapath/list_tables.h"
#include "datapath/prefix_table.h"
#include "packet_builder.h"
#include "xdpguard_bpf.skel.h"
#include "xdpguard_guard.h"
#include "xdpguard_maps.h"

using namespace xdpguard;
using test::Bytes;
using test::PacketBuilder;

namespace {

int QuietLibbpf(enum libbpf_print_level level, const char* fmt, va_list ap) {
  if (level != LIBBPF_WARN || strstr(fmt, "unrecognized data section")) return 0;
  return vfprintf(stderr, fmt, ap);
}

// Mean ns per run of prog over frames; each frame repeated `repeat` times.
double RunNs(int prog_fd, const std::vector<Bytes>& frames, uint32_t repeat) {
  double total = 0;
  std::vector<uint8_t> out(2048);
  for (const Bytes& f : frames) {
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f.data(), .data_out = out.data(),
                .data_size_in = static_cast<uint32_t>(f.size()),
                .data_size_out = static_cast<uint32_t>(out.size()), .repeat = static_cast<int>(repeat));
    if (bpf_prog_test_run_opts(prog_fd, &opts) != 0) {
      perror("BPF_PROG_TEST_RUN");
      exit(1);
    }
    total += opts.duration;
  }
  return total / frames.size();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string Ip4(uint32_t host_order) {
  char buf[16];
  snprintf(buf, sizeof(buf), "%u.%u.%u.%u", host_order >> 24, (host_order >> 16) & 255,
           (host_order >> 8) & 255, host_order & 255);
  return buf;
}

// Random prefixes with a mix resembling abuse/cloud feeds: mostly /24 and /32, some /16-/23,
// a few /8-/15. Drawn from 1.0.0.0-99.255.255.255 so 100.64.0.0/10 (the miss range) and
// 10.0.0.0/8 stay out.
std::vector<net::Cidr> RandomV4(size_t n, std::mt19937& rng) {
  std::vector<net::Cidr> out;
  std::uniform_int_distribution<uint32_t> addr(0x01000000u, 0x63ffffffu);
  std::uniform_int_distribution<int> pick(0, 99);
  while (out.size() < n) {
    int p = pick(rng);
    int len = p < 55 ? 24 : p < 80 ? 32 : p < 95 ? 16 + pick(rng) % 8 : 8 + pick(rng) % 8;
    uint32_t a = addr(rng);
    a &= len == 0 ? 0 : ~0u << (32 - len);
    net::Cidr c;
    c.family = net::Family::kIPv4;
    c.prefixlen = static_cast<uint8_t>(len);
    uint32_t be = htonl(a);
    memcpy(c.addr.data(), &be, 4);
    out.push_back(c);
  }
  return out;
}

std::vector<net::Cidr> RandomV6(size_t n, std::mt19937& rng) {
  std::vector<net::Cidr> out;
  std::uniform_int_distribution<uint32_t> word;
  std::uniform_int_distribution<int> pick(0, 99);
  while (out.size() < n) {
    int p = pick(rng);
    int len = p < 40 ? 48 : p < 70 ? 64 : p < 90 ? 32 + pick(rng) % 16 : 128;
    net::Cidr c;
    c.family = net::Family::kIPv6;
    c.prefixlen = static_cast<uint8_t>(len);
    for (int i = 0; i < 4; i++) {
      uint32_t w = htonl(word(rng));
      memcpy(c.addr.data() + 4 * i, &w, 4);
    }
    c.addr[0] = 0x20;  // inside 2000::/8; misses are drawn from 3fff::/16
    for (int bit = len; bit < 128; bit++) c.addr[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
    out.push_back(c);
  }
  return out;
}

// A source address inside prefix c (host bits randomised).
std::string Inside(const net::Cidr& c, std::mt19937& rng) {
  std::array<uint8_t, 16> a = c.addr;
  int bytes = c.family == net::Family::kIPv4 ? 4 : 16;
  for (int bit = c.prefixlen; bit < bytes * 8; bit++)
    if (rng() & 1) a[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
  char buf[64];
  inet_ntop(c.family == net::Family::kIPv4 ? AF_INET : AF_INET6, a.data(), buf, sizeof(buf));
  return buf;
}

constexpr const char* kGatewayMac = "02:00:00:00:00:fe";

// A drop-mode guard for gateway 192.0.2.1 (kGatewayMac) on ifindex 1, where
// BPF_PROG_TEST_RUN without a context runs.
void GuardGateway(datapath::DatapathObject& obj) {
  xg_guard_key key{};
  key.ifindex = 1;
  key.family = XG_FAM_IPV4;
  inet_pton(AF_INET, "192.0.2.1", &key.addr[0]);
  xg_guard g{};
  g.flags = XG_GUARD_DROP;
  g.nmacs = 1;
  sscanf(kGatewayMac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &g.macs[0][0], &g.macs[0][1], &g.macs[0][2],
         &g.macs[0][3], &g.macs[0][4], &g.macs[0][5]);
  if (bpf_map_update_elem(obj.map_fd(XG_MAP_GUARDS), &key, &g, BPF_ANY) != 0) {
    perror("guard entry");
    exit(1);
  }
}

struct Scenario {
  std::string name;
  std::vector<Bytes> frames;
  uint32_t repeat;
};

// Clears the flow map between runs so "every packet a new flow" stays true.
void ClearFlows(datapath::DatapathObject& obj) {
  int fd = obj.map_fd(XG_MAP_FLOWS);
  xg_flow_key key{};
  while (bpf_map_get_next_key(fd, nullptr, &key) == 0) bpf_map_delete_elem(fd, &key);
}

// ns/packet for one scenario with the flow tracking mode of ifindex 1 (BPF_PROG_TEST_RUN
// without a context runs on the loopback device's queue) set to each mode in turn.
std::string MeasureTracking(datapath::DatapathObject& obj, datapath::PrefixTable<xg_rule>& block,
                            const std::vector<net::Cidr>& v4, size_t n, size_t n6, int rounds,
                            int empty_fd, std::mt19937& rng) {
  int ifconfig_fd = obj.map_fd(XG_MAP_IFCONFIG);
  // A rate-limited /24 next to the random prefixes, for the rate-limit rows.
  lists::RuleOptions rl;
  rl.action = XG_ACTION_RATELIMIT;
  rl.pps = 1000;
  net::Cidr rl_net = net::ParseCidr("101.1.1.0/24")->cidr;  // outside the random range
  (void)block.Upsert({{rl_net, lists::MakeManualRule(rl_net, rl, 0, 0)}});
  std::uniform_int_distribution<uint32_t> miss4(0x64400000u, 0x647fffffu);
  std::vector<Bytes> flood;  // every packet a new source inside a blocked prefix
  for (int i = 0; i < 100000; i++)
    flood.push_back(PacketBuilder().Eth().Ipv4(Inside(v4[rng() % v4.size()], rng), "10.0.0.1").Udp().Build());
  std::vector<Scenario> scenarios = {
      {"IPv4 drop (hot)", {PacketBuilder().Eth().Ipv4(Inside(v4[2], rng), "10.0.0.1").Udp().Build()}, 200000},
      {"IPv4 pass, no rule (hot)", {PacketBuilder().Eth().Ipv4("100.64.1.2", "10.0.0.1").Udp().Build()}, 200000},
      {"IPv4 rate-limited, over limit (hot)", {PacketBuilder().Eth().Ipv4("101.1.1.7", "10.0.0.1").Udp().Build()}, 200000},
      {"random-source flood, dropped (100k new flows)", flood, 1},
  };
  int fd = bpf_program__fd(obj.program());
  std::string out;
  for (const Scenario& s : scenarios) {
    double med[3];
    const uint8_t modes[3] = {XG_FLOWS_OFF, XG_FLOWS_MATCHED, XG_FLOWS_ALL};
    std::vector<double> samples[3];
    for (int r = 0; r < rounds; r++) {
      for (int m = 0; m < 3; m++) {  // interleaved: every mode in every round
        datapath::InterfaceSettings c;
        c.flow_mode = modes[m];
        (void)datapath::PutInterfaceSettings(ifconfig_fd, 1, c);
        ClearFlows(obj);
        double e = RunNs(empty_fd, s.frames, s.repeat);
        samples[m].push_back(RunNs(fd, s.frames, s.repeat) - e);
      }
    }
    for (int m = 0; m < 3; m++) med[m] = Median(samples[m]);
    char line[256];
    snprintf(line, sizeof(line), "| %zu + %zu | %s | %.1f | %.1f | %.1f | %+.0f%% |\n", n, n6,
             s.name.c_str(), med[0], med[1], med[2], med[0] > 0 ? 100 * (med[1] - med[0]) / med[0] : 0);
    out += line;
  }
  (void)datapath::ResetInterfaceSettings(ifconfig_fd, 1);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  libbpf_set_print(QuietLibbpf);
  int rounds = 5;
  std::vector<size_t> sizes = {1000, 100000, 1000000};
  std::string filter;
  int flow_mode = -1;  // the product's default
  for (int i = 1; i < argc; i += 2) {
    bool known = !strcmp(argv[i], "--rounds") || !strcmp(argv[i], "--filter") || !strcmp(argv[i], "--sizes") ||
                 !strcmp(argv[i], "--flows");
    if (!known || i + 1 >= argc) {
      fprintf(stderr, "usage: %s [--rounds N] [--sizes N,N,...] [--filter SCENARIO-SUBSTRING] [--flows off|matched|all]\n",
              argv[0]);
      return !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ? 0 : 2;
    }
    if (!strcmp(argv[i], "--rounds")) rounds = atoi(argv[i + 1]);
    if (!strcmp(argv[i], "--filter")) filter = argv[i + 1];
    if (!strcmp(argv[i], "--flows")) {
      const std::string m = argv[i + 1];
      flow_mode = m == "off" ? XG_FLOWS_OFF : m == "matched" ? XG_FLOWS_MATCHED : m == "all" ? XG_FLOWS_ALL : -2;
      if (flow_mode == -2) {
        fprintf(stderr, "--flows: off, matched or all, not %s\n", m.c_str());
        return 2;
      }
    }
    if (!strcmp(argv[i], "--sizes")) {
      sizes.clear();
      for (char* tok = strtok(argv[i + 1], ","); tok; tok = strtok(nullptr, ","))
        sizes.push_back(strtoul(tok, nullptr, 10));
    }
  }
  std::mt19937 rng(42);

  std::vector<std::string> tracking_rows;
  printf("| prefixes (v4 + v6) | scenario | xdpguard ns/pkt | without verdict cache | bare LPM ns/pkt | bare hash ns/pkt | xdpguard / bare hash | bucket prototype ns/pkt | bucket + per-entry value ns/pkt | bucket in inner arrays ns/pkt |\n");
  printf("|---|---|---|---|---|---|---|---|---|---|\n");
  for (size_t n : sizes) {
    size_t n6 = std::max<size_t>(1, n / 4);
    datapath::ObjectOptions opts;
    opts.sizes.block_v4 = static_cast<uint32_t>(std::max<size_t>(n, 1024));
    opts.sizes.block_v6 = static_cast<uint32_t>(std::max<size_t>(n6, 1024));
    auto obj = datapath::DatapathObject::Open(opts);
    if (!obj.ok() || !(*obj)->Load().ok()) {
      fprintf(stderr, "cannot load xdpguard object (root?)\n");
      return 1;
    }
    // The same program without the verdict cache, on the same maps (lists, counters).
    datapath::ObjectOptions no_cache_opts = opts;
    no_cache_opts.verdict_cache = false;
    auto no_cache = datapath::DatapathObject::Open(no_cache_opts);
    if (!no_cache.ok()) {
      fprintf(stderr, "cannot open the cache-less xdpguard object\n");
      return 1;
    }
    bpf_map* shared;
    bpf_object__for_each_map(shared, (*no_cache)->obj()) {
      const char* name = bpf_map__name(shared);
      if (!bpf_map__is_internal(shared) && bpf_map__reuse_fd(shared, (*obj)->map_fd(name)) != 0) {
        fprintf(stderr, "cannot share map %s\n", name);
        return 1;
      }
    }
    if (!(*no_cache)->Load().ok()) {
      fprintf(stderr, "cannot load the cache-less xdpguard object\n");
      return 1;
    }
    bare_lpm_bpf* bare = bare_lpm_bpf__open();
    bpf_map__set_max_entries(bare->maps.bare_v4, opts.sizes.block_v4);
    bpf_map__set_max_entries(bare->maps.bare_v6, opts.sizes.block_v6);
    bpf_map__set_max_entries(bare->maps.bare_h4, opts.sizes.block_v4 + 65536);
    bpf_map__set_max_entries(bare->maps.bare_h6, opts.sizes.block_v6 + 65536);
    if (!bare || bare_lpm_bpf__load(bare)) {
      fprintf(stderr, "cannot load bare LPM object\n");
      return 1;
    }
    auto map = [](int fd) { return std::move(*datapath::LibbpfMap::FromFd(UniqueFd(dup(fd)))); };
    auto lists = std::move(*datapath::ListTables::Open([&](const char* name) { return (*obj)->map_fd(name); }));
    auto bv4 = map(bpf_map__fd(bare->maps.bare_v4)), bv6 = map(bpf_map__fd(bare->maps.bare_v6));
    auto gen = map((*obj)->map_fd(XG_MAP_LIST_GEN));
    auto masks = std::move(*datapath::LengthMasks::MapArrays(
        {(*obj)->map_fd(XG_MAP_LENS_V4), (*obj)->map_fd(XG_MAP_LENS_V6),
         (*obj)->map_fd(XG_MAP_LSUM_V4), (*obj)->map_fd(XG_MAP_LSUM_V6)}));
    auto bare_masks = datapath::LengthMasks::InMemory();  // the bare trie needs none
    auto xg_block = *datapath::PrefixTable<xg_rule>::Create(lists->block_v4(), lists->block_v6(), masks.get(), gen.get());
    auto allow_table = *datapath::PrefixTable<xg_allow>::Create(lists->allow_v4(), lists->allow_v6(), masks.get(), gen.get());
    auto bare_table = *datapath::PrefixTable<xg_rule>::Create(bv4.get(), bv6.get(), bare_masks.get());

    std::vector<net::Cidr> v4 = RandomV4(n, rng), v6 = RandomV6(n6, rng);
    std::vector<datapath::PrefixTable<xg_rule>::Entry> entries;
    for (const auto& c : v4) entries.push_back({c, xg_rule{}});
    for (const auto& c : v6) entries.push_back({c, xg_rule{}});
    // Duplicates from the random draw are harmless for Upsert (last one wins).
    auto t0 = std::chrono::steady_clock::now();
    if (!xg_block.Upsert(entries).ok()) {
      fprintf(stderr, "upsert failed\n");
      return 1;
    }
    double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    (void)bare_table.Upsert(entries);
    (void)allow_table.Upsert({{v4[0], xg_allow{}}});  // the allowlist-hit source lives here
    // The bare hash holds every prefix's address, plus (below) the cold rows' sources.
    std::vector<uint32_t> h4_keys;
    std::vector<std::array<uint8_t, 16>> h6_keys;
    for (const auto& c : v4) h4_keys.push_back(*reinterpret_cast<const uint32_t*>(c.addr.data()));
    for (const auto& c : v6) h6_keys.push_back(c.addr);
    auto source4 = [&](const std::string& ip) {
      uint32_t a;
      inet_pton(AF_INET, ip.c_str(), &a);
      h4_keys.push_back(a);
      return ip;
    };
    auto source6 = [&](const std::string& ip) {
      std::array<uint8_t, 16> a;
      inet_pton(AF_INET6, ip.c_str(), a.data());
      h6_keys.push_back(a);
      return ip;
    };

    const std::string dst4 = "10.0.0.1", dst6 = "2001:db8::1";
    std::uniform_int_distribution<uint32_t> miss4(0x64400000u, 0x647fffffu);  // 100.64/10
    auto cold4_hit = std::vector<Bytes>(), cold4_miss = std::vector<Bytes>();
    auto cold6_hit = std::vector<Bytes>(), cold4_host = std::vector<Bytes>();
    auto cold6_host = std::vector<Bytes>(), cold6_miss = std::vector<Bytes>(), cold6_other = std::vector<Bytes>();
    std::vector<net::Cidr> hosts4, hosts6;  // the /32 and /128 entries: the abuse-feed shape
    // Lengths the summary has no bit of (cloud ranges: /36, /40, /44): asked of the
    // datapath's own rule, so the row follows it if the common lengths ever change.
    std::vector<net::Cidr> other6;
    for (const auto& c : v6)
      if (xg_lsum_bit(c.prefixlen, 0) == XG_LSUM_OTHER) other6.push_back(c);
    for (const auto& c : v4) if (c.prefixlen == 32) hosts4.push_back(c);
    for (const auto& c : v6) if (c.prefixlen == 128) hosts6.push_back(c);
    for (int i = 0; i < 20000; i++) {
      cold4_hit.push_back(PacketBuilder().Eth().Ipv4(source4(Inside(v4[rng() % v4.size()], rng)), dst4).Udp().Build());
      cold4_miss.push_back(PacketBuilder().Eth().Ipv4(Ip4(miss4(rng)), dst4).Udp().Build());
      cold6_hit.push_back(PacketBuilder().Eth().Ipv6(source6(Inside(v6[rng() % v6.size()], rng)), dst6).Udp().Build());
      char miss6[64];
      snprintf(miss6, sizeof(miss6), "3fff:%x:%x::%x", static_cast<unsigned>(rng() & 0xffff),
               static_cast<unsigned>(rng() & 0xffff), static_cast<unsigned>(rng() & 0xffff));
      cold6_miss.push_back(PacketBuilder().Eth().Ipv6(miss6, dst6).Udp().Build());
      if (!hosts4.empty())
        cold4_host.push_back(PacketBuilder().Eth().Ipv4(Inside(hosts4[rng() % hosts4.size()], rng), dst4).Udp().Build());
      if (!hosts6.empty())
        cold6_host.push_back(PacketBuilder().Eth().Ipv6(Inside(hosts6[rng() % hosts6.size()], rng), dst6).Udp().Build());
      if (!other6.empty())
        cold6_other.push_back(PacketBuilder().Eth().Ipv6(source6(Inside(other6[rng() % other6.size()], rng)), dst6).Udp().Build());
    }
    // The bucketised-table prototype holds the same IPv4 keys as the bare hash.
    std::string bucket_error, bucket_summary;
    bucket_probe_bpf* probe = bench::LoadBucketPrototype(h4_keys, &bucket_error, &bucket_summary);
    if (!probe) {
      fprintf(stderr, "%s\n", bucket_error.c_str());
      return 1;
    }
    fprintf(stderr, "bucket prototype: %s\n", bucket_summary.c_str());
    {
      // Shuffled: a preallocated kernel hash hands out its elements in insertion order, so
      // the cold rows' sources, appended after the prefixes, would sit side by side in
      // memory and in the order the rows look them up, where a listed address's element
      // sits among all the others (the /128 and /32 rows, whose sources are the list's own
      // entries, always paid that). XG_BENCH_KEYS_IN_ORDER=1 keeps the order used before 2026-12-03.
      if (!getenv("XG_BENCH_KEYS_IN_ORDER")) {
        std::mt19937 shuffle_rng(7);
        std::shuffle(h4_keys.begin(), h4_keys.end(), shuffle_rng);
        std::shuffle(h6_keys.begin(), h6_keys.end(), shuffle_rng);
      }
      uint32_t n4 = static_cast<uint32_t>(h4_keys.size()), n6k = static_cast<uint32_t>(h6_keys.size());
      std::vector<uint32_t> ones(std::max(n4, n6k), 1);
      LIBBPF_OPTS(bpf_map_batch_opts, bo);
      if (bpf_map_update_batch(bpf_map__fd(bare->maps.bare_h4), h4_keys.data(), ones.data(), &n4, &bo) ||
          bpf_map_update_batch(bpf_map__fd(bare->maps.bare_h6), h6_keys.data(), ones.data(), &n6k, &bo)) {
        fprintf(stderr, "cannot fill the bare hash: %s\n", strerror(errno));
        return 1;
      }
    }
    std::vector<Scenario> scenarios = {
        {"IPv4 hit (hot)", {PacketBuilder().Eth().Ipv4(Inside(v4[1], rng), dst4).Udp().Build()}, 200000},
        {"IPv4 miss (hot)", {PacketBuilder().Eth().Ipv4("100.64.1.2", dst4).Udp().Build()}, 200000},
        {"IPv6 hit (hot)", {PacketBuilder().Eth().Ipv6(Inside(v6[1], rng), dst6).Udp().Build()}, 200000},
        {"IPv6 miss (hot)", {PacketBuilder().Eth().Ipv6("3fff::1", dst6).Udp().Build()}, 200000},
        {"IPv4 allowlist hit (hot)", {PacketBuilder().Eth().Ipv4(Inside(v4[0], rng), dst4).Udp().Build()}, 200000},
        {"IPv4 hit (cold, 20k sources)", cold4_hit, 1},
        {"IPv4 miss (cold, 20k sources)", cold4_miss, 1},
        {"IPv6 hit (cold, 20k sources)", cold6_hit, 1},
        {"IPv6 miss (cold, 20k sources)", cold6_miss, 1},
        {"IPv4 hit on /32 entries (cold, 20k sources)", cold4_host, 1},
        {"IPv6 hit on /128 entries (cold, 20k sources)", cold6_host, 1},
        {"IPv6 hit on /33-/47 entries (cold, 20k sources)", cold6_other, 1},
        {"ARP request, no guard for the address (hot)",
         {PacketBuilder().Eth("02:00:00:00:00:05", "ff:ff:ff:ff:ff:ff").Arp(1, "02:00:00:00:00:05", "192.0.2.5", "192.0.2.9").Build()}, 200000},
        {"ARP reply from the guarded gateway, genuine MAC (hot)",
         {PacketBuilder().Eth(kGatewayMac, "ff:ff:ff:ff:ff:ff").Arp(2, kGatewayMac, "192.0.2.1", "192.0.2.1").Build()}, 200000},
        {"spoofed gratuitous ARP for the gateway, dropped (hot)",
         {PacketBuilder().Eth("02:00:00:00:66:66", "ff:ff:ff:ff:ff:ff").Arp(2, "02:00:00:00:66:66", "192.0.2.1", "192.0.2.1").Build()}, 200000},
    };
    GuardGateway(**obj);
    if (flow_mode >= 0) {
      datapath::InterfaceSettings c;
      c.flow_mode = static_cast<uint8_t>(flow_mode);
      if (!datapath::PutInterfaceSettings((*obj)->map_fd(XG_MAP_IFCONFIG), 1, c).ok()) {
        fprintf(stderr, "cannot set the flow tracking mode\n");
        return 1;
      }
    }
    int xg_fd = bpf_program__fd((*obj)->program());
    int no_cache_fd = bpf_program__fd((*no_cache)->program());
    int bare_fd = bpf_program__fd(bare->progs.bare_lpm);
    int hash_fd = bpf_program__fd(bare->progs.bare_hash);
    int empty_fd = bpf_program__fd(bare->progs.empty_pass);
    int bucket_fd = bpf_program__fd(probe->progs.bare_bucket);
    int bucket_value_fd = bpf_program__fd(probe->progs.bare_bucket_value);
    int bucket_inner_fd = bpf_program__fd(probe->progs.bare_bucket_inner);
    for (const Scenario& s : scenarios) {
      if (!filter.empty() && s.name.find(filter) == std::string::npos) continue;
      if (s.frames.empty()) continue;
      std::vector<double> xg, nc, br, bh, bb, bv, bi;
      // One untimed pass of each program first: the bare hash was just filled with these
      // very sources (its lines are in cache) while xdpguard's tables were written long
      // before, so a first timed round would compare a cold start with a warm one.
      for (int fd : {empty_fd, xg_fd, no_cache_fd, bare_fd, hash_fd, bucket_fd, bucket_value_fd, bucket_inner_fd})
        (void)RunNs(fd, s.frames, 1);
      for (int r = 0; r < rounds; r++) {  // interleaved: empty, xdpguard (both), bare
        double e = RunNs(empty_fd, s.frames, s.repeat);
        xg.push_back(RunNs(xg_fd, s.frames, s.repeat) - e);
        nc.push_back(RunNs(no_cache_fd, s.frames, s.repeat) - e);
        br.push_back(RunNs(bare_fd, s.frames, s.repeat) - e);
        bh.push_back(RunNs(hash_fd, s.frames, s.repeat) - e);
        bb.push_back(RunNs(bucket_fd, s.frames, s.repeat) - e);
        bv.push_back(RunNs(bucket_value_fd, s.frames, s.repeat) - e);
        bi.push_back(RunNs(bucket_inner_fd, s.frames, s.repeat) - e);
      }
      double mx = Median(xg), mn = Median(nc), mb = Median(br), mh = Median(bh), mk = Median(bb), mv = Median(bv), mi = Median(bi);
      bool allow = s.name.find("allowlist") != std::string::npos || s.name.find("ARP") != std::string::npos;
      char lpm[32] = "n/a", hash[32] = "n/a", ratio[32] = "n/a", bucket[32] = "n/a", bucket_value[32] = "n/a",
           bucket_inner[32] = "n/a";
      if (!allow) {
        snprintf(lpm, sizeof(lpm), "%.1f", mb);
        snprintf(hash, sizeof(hash), "%.1f", mh);
        std::vector<double> per_round;
        for (size_t r = 0; r < xg.size(); r++)
          if (bh[r] > 0) per_round.push_back(xg[r] / bh[r]);
        if (!per_round.empty())
          snprintf(ratio, sizeof(ratio), "%.2fx (%.2f-%.2f)", Median(per_round),
                   *std::min_element(per_round.begin(), per_round.end()),
                   *std::max_element(per_round.begin(), per_round.end()));
        // The prototype holds IPv4 /32 keys only.
        if (s.name.find("IPv4") != std::string::npos) {
          snprintf(bucket, sizeof(bucket), "%.1f", mk);
          snprintf(bucket_value, sizeof(bucket_value), "%.1f", mv);
          snprintf(bucket_inner, sizeof(bucket_inner), "%.1f", mi);
        }
      }
      printf("| %zu + %zu | %s | %.1f | %.1f | %s | %s | %s | %s | %s | %s |\n", n, n6, s.name.c_str(), mx, mn,
             lpm, hash, ratio, bucket, bucket_value, bucket_inner);
    }
    printf("| %zu + %zu | load into xdpguard maps (PrefixTable::Upsert, batched) | %.2f s | | | | | | | |\n", n,
           n6, load_s);
    if (filter.empty()) tracking_rows.push_back(MeasureTracking(**obj, xg_block, v4, n, n6, rounds, empty_fd, rng));
    fflush(stdout);
    bare_lpm_bpf__destroy(bare);
    bucket_probe_bpf__destroy(probe);
  }
  printf("\n| prefixes (v4 + v6) | scenario | tracking off | matched | all | matched vs off |\n");
  printf("|---|---|---|---|---|---|\n");
  for (const std::string& row : tracking_rows) printf("%s", row.c_str());
  return 0;
}
