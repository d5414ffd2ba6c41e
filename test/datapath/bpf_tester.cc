// SPDX-License-Identifier: GPL-2.0
#include "bpf_tester.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <string>

#include "absl/status/status.h"
#include "datapath/interface_config.h"
#include "datapath/keys.h"
#include "datapath/stats_slots.h"
#include "xdpguard_maps.h"

namespace xdpguard::test {
namespace {

void Check(const absl::Status& s, const char* what) {
  if (!s.ok()) throw std::runtime_error(std::string(what) + ": " + std::string(s.message()));
}

void ClearMap(int fd, uint32_t key_size) {
  std::vector<char> key(key_size);
  while (bpf_map_get_next_key(fd, nullptr, key.data()) == 0) {
    if (bpf_map_delete_elem(fd, key.data()) != 0) break;
  }
}

// Deletes every entry of a list table, as a writer would.
void ClearTable(datapath::BucketMap* t) {
  std::vector<char> keys;
  Check(t->ForEach([&](const void* key, const void*) {
    keys.insert(keys.end(), static_cast<const char*>(key), static_cast<const char*>(key) + t->key_size());
  }), "list table walk");
  Check(t->DeleteBatch(keys.data(), static_cast<uint32_t>(keys.size() / t->key_size()), nullptr), "list table clear");
}

// Zeroes every element of a plain array of value_size-byte values.
void ZeroArray(int fd, uint32_t value_size) {
  bpf_map_info info{};
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) throw std::runtime_error("read array info");
  std::vector<char> zero(value_size, 0);
  for (uint32_t i = 0; i < info.max_entries; i++) bpf_map_update_elem(fd, &i, zero.data(), BPF_ANY);
}

void ZeroPerCpuArray(int fd, uint32_t entries, uint32_t value_size) {
  int cpus = libbpf_num_possible_cpus();
  std::vector<char> zero(((value_size + 7) & ~7u) * cpus, 0);
  for (uint32_t i = 0; i < entries; i++) bpf_map_update_elem(fd, &i, zero.data(), BPF_ANY);
}

// An address as the datapath holds it: family and four network-order words, IPv4 in the
// first (the per-rule counter key of its /32 or /128 has exactly that layout).
xg_rule_stats_key Address(const std::string& ip) { return datapath::RuleStatsKey(C(ip.c_str())); }

}  // namespace

uint32_t VerdictSlotIndex(const std::string& ip) {
  const xg_rule_stats_key a = Address(ip);
  return xg_verdict_index(a.family, a.addr);  // the datapath's own function (maps/)
}

std::string CollidingV4(const std::string& ip, const std::string& from) {
  const uint32_t want = VerdictSlotIndex(ip);
  in_addr a{};
  if (inet_pton(AF_INET, from.c_str(), &a) != 1) throw std::runtime_error("not IPv4: " + from);
  for (uint32_t host = ntohl(a.s_addr), tries = 0; tries < (1u << 24); host++, tries++) {
    in_addr c{htonl(host)};
    char text[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &c, text, sizeof(text));
    if (text != ip && VerdictSlotIndex(text) == want) return text;
  }
  throw std::runtime_error("no colliding address found for " + ip);
}

std::optional<xg_verdict_slot> BpfTester::CachedVerdict(const std::string& ip) {
  const xg_rule_stats_key a = Address(ip);
  const uint32_t idx = VerdictSlotIndex(ip);
  const int cpus = libbpf_num_possible_cpus();
  const size_t stride = (sizeof(xg_verdict_slot) + 7) & ~size_t{7};
  std::vector<char> values(stride * cpus);
  if (bpf_map_lookup_elem(map_fd(XG_MAP_VERDICTS), &idx, values.data()) != 0)
    throw std::runtime_error("read xg_verdicts");
  for (int cpu = 0; cpu < cpus; cpu++) {
    xg_verdict_slot s;
    std::memcpy(&s, values.data() + cpu * stride, sizeof(s));
    if (s.kind != XG_VERDICT_EMPTY && s.family == a.family &&
        std::memcmp(s.addr, a.addr, sizeof(a.addr)) == 0)
      return s;
  }
  return std::nullopt;
}

uint64_t BpfTester::ListGeneration() {
  uint32_t key = 0;
  uint64_t gen = 0;
  if (bpf_map_lookup_elem(map_fd(XG_MAP_LIST_GEN), &key, &gen) != 0)
    throw std::runtime_error("read xg_list_gen");
  return gen;
}

xg_rule DropRule() {
  xg_rule r{};
  r.action = XG_ACTION_DROP;
  return r;
}

BpfTester& Tester() {
  static BpfTester t;
  return t;
}

net::Cidr C(const char* text) { return net::ParseCidr(text)->cidr; }

Bytes Udp4(const char* src, uint16_t dport) {
  return PacketBuilder().Eth().Ipv4(src, "10.0.0.1").Udp(40000, dport).Build();
}

xg_rule PassRule() {
  xg_rule r{};
  r.action = XG_ACTION_PASS;
  return r;
}

BpfTester::BpfTester(bool frags, uint32_t block_entries, bool verdict_cache,
                     uint32_t rule_stats_entries) {
  datapath::ObjectOptions opts;
  opts.frags = frags;
  opts.verdict_cache = verdict_cache;
  // Small maps: tests never need the production sizes.
  opts.sizes = {block_entries, block_entries, 1024, 1024, rule_stats_entries};
  auto obj = datapath::DatapathObject::Open(opts);
  Check(obj.status(), "open object");
  obj_ = std::move(*obj);
  Check(obj_->Load(), "load object");
  auto lists = datapath::ListTables::Open([this](const char* name) { return obj_->map_fd(name); });
  Check(lists.status(), "list tables");
  lists_ = std::move(*lists);
  flows_ = Map(XG_MAP_FLOWS);
  list_gen_ = Map(XG_MAP_LIST_GEN);
  guard_map_ = Map(XG_MAP_GUARDS);
  guard_if_ = Map(XG_MAP_GUARD_IF);
  guards_ = std::make_unique<guard::GuardStore>(guard_map_.get(), guard_if_.get());
  auto masks = datapath::LengthMasks::MapArrays(
      {obj_->map_fd(XG_MAP_LENS_V4), obj_->map_fd(XG_MAP_LENS_V6), obj_->map_fd(XG_MAP_LSUM_V4),
       obj_->map_fd(XG_MAP_LSUM_V6)});
  Check(masks.status(), "length masks");
  masks_ = std::move(*masks);
  auto b = datapath::PrefixTable<xg_rule>::Create(lists_->block_v4(), lists_->block_v6(), masks_.get(),
                                                  list_gen_.get());
  Check(b.status(), "blocklist table");
  block_ = std::make_unique<datapath::PrefixTable<xg_rule>>(*b);
  auto a = datapath::PrefixTable<xg_allow>::Create(lists_->allow_v4(), lists_->allow_v6(), masks_.get(),
                                                   list_gen_.get());
  Check(a.status(), "allowlist table");
  allow_ = std::make_unique<datapath::PrefixTable<xg_allow>>(*a);
}

std::unique_ptr<datapath::LibbpfMap> BpfTester::Map(const char* name) {
  int fd = obj_->map_fd(name);
  if (fd < 0) throw std::runtime_error(std::string("no map ") + name);
  auto m = datapath::LibbpfMap::FromFd(UniqueFd(dup(fd)));
  Check(m.status(), name);
  return std::move(*m);
}

int BpfTester::prog_fd() { return bpf_program__fd(obj_->program()); }

int BpfTester::Run(const Bytes& frame, uint32_t ifindex) {
  std::vector<uint8_t> out(frame.size() + 256);
  xdp_md ctx{};
  ctx.ingress_ifindex = ifindex;
  ctx.data_end = static_cast<uint32_t>(frame.size());  // the kernel requires data_end == size
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(),
              .data_out = out.data(), .data_size_in = static_cast<uint32_t>(frame.size()),
              .data_size_out = static_cast<uint32_t>(out.size()), .ctx_in = ifindex ? &ctx : nullptr,
              .ctx_size_in = ifindex ? static_cast<uint32_t>(sizeof(ctx)) : 0u, .repeat = 1);
  if (int err = bpf_prog_test_run_opts(prog_fd(), &opts); err)
    throw std::runtime_error("BPF_PROG_TEST_RUN failed: " + std::string(strerror(-err)));
  return static_cast<int>(opts.retval);
}

double BpfTester::TimeNs(const Bytes& frame, uint32_t repeat) {
  std::vector<uint8_t> out(frame.size() + 256);
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = out.data(),
              .data_size_in = static_cast<uint32_t>(frame.size()),
              .data_size_out = static_cast<uint32_t>(out.size()), .repeat = static_cast<int>(repeat));
  if (int err = bpf_prog_test_run_opts(prog_fd(), &opts); err)
    throw std::runtime_error("BPF_PROG_TEST_RUN failed: " + std::string(strerror(-err)));
  return opts.duration;
}

datapath::Counters BpfTester::ReadCounters() {
  auto c = datapath::ReadCountersFromFds(obj_->map_fd(XG_MAP_STATS), obj_->map_fd(XG_MAP_REASONS),
                                         obj_->map_fd(XG_MAP_ORIGIN_STATS),
                                         obj_->map_fd(XG_MAP_RULE_STATS),
                                         obj_->map_fd(XG_MAP_GUARD_STATS),
                                         obj_->map_fd(XG_MAP_IF_SLOTS),
                                         obj_->map_fd(XG_MAP_RULE_CACHE));
  Check(c.status(), "read counters");
  return *c;
}

uint8_t BpfTester::AssignStatsSlot(uint32_t ifindex, bool (*interface_exists)(uint32_t)) {
  auto a = datapath::AssignStatsSlot(obj_->map_fd(XG_MAP_IF_SLOTS), obj_->map_fd(XG_MAP_STATS),
                                     ifindex, interface_exists);
  Check(a.status(), "assign stats slot");
  datapath::InterfaceSettings s;
  s.stats_slot = a->slot;
  SetInterfaceSettings(ifindex, s);
  return a->slot;
}

void BpfTester::SetInterfaceMonitor(uint32_t ifindex, bool on) {
  datapath::InterfaceSettings s;
  s.monitor = on;
  SetInterfaceSettings(ifindex, s);
}

void BpfTester::SetInterfaceSettings(uint32_t ifindex, const datapath::InterfaceSettings& s) {
  Check(datapath::PutInterfaceSettings(obj_->map_fd(XG_MAP_IFCONFIG), ifindex, s),
        "set interface settings");
}

std::vector<flows::FlowRecord> BpfTester::Flows() {
  auto f = flows::ReadFlows(flows_.get());
  Check(f.status(), "read flows");
  return *f;
}

std::vector<xg_guard_event> BpfTester::DrainGuardEvents() {
  std::vector<xg_guard_event> out;
  auto on_event = [](void* ctx, void* data, size_t size) -> int {
    if (size >= sizeof(xg_guard_event)) {
      xg_guard_event ev;
      std::memcpy(&ev, data, sizeof(ev));
      static_cast<std::vector<xg_guard_event>*>(ctx)->push_back(ev);
    }
    return 0;
  };
  ring_buffer* rb = ring_buffer__new(obj_->map_fd(XG_MAP_GUARD_EVENTS), on_event, &out, nullptr);
  if (!rb) throw std::runtime_error("open guard ring buffer");
  ring_buffer__consume(rb);
  ring_buffer__free(rb);
  return out;
}

void BpfTester::Reset() {
  for (datapath::BucketMap* t : {lists_->block_v4(), lists_->block_v6(), lists_->allow_v4(), lists_->allow_v6()})
    ClearTable(t);
  ZeroArray(obj_->map_fd(XG_MAP_RULE_STATS), sizeof(xg_rule_set));
  ClearMap(obj_->map_fd(XG_MAP_BUCKETS), sizeof(xg_bucket_key));
  ClearMap(obj_->map_fd(XG_MAP_FLOWS), sizeof(xg_flow_key));
  for (uint32_t ifindex : {0u, 1u}) SetInterfaceSettings(ifindex, {});  // the ones tests use
  for (uint32_t slot = 0; slot < XG_MAX_IF_SLOTS; slot++) {
    uint32_t free_slot = 0;
    Check(bpf_map_update_elem(obj_->map_fd(XG_MAP_IF_SLOTS), &slot, &free_slot, BPF_ANY) == 0
              ? absl::OkStatus()
              : absl::InternalError("clear xg_if_slots"),
          "reset");
  }
  ZeroPerCpuArray(obj_->map_fd(XG_MAP_STATS), XG_STATS_MAP_ENTRIES, sizeof(xg_counter));
  ZeroPerCpuArray(obj_->map_fd(XG_MAP_REASONS), XG_REASON_MAX, sizeof(__u64));
  ZeroPerCpuArray(obj_->map_fd(XG_MAP_ORIGIN_STATS), XG_MAX_ORIGINS, sizeof(xg_counter));
  ZeroPerCpuArray(obj_->map_fd(XG_MAP_RULE_CACHE), 1, sizeof(xg_rule_cache));
  // The lists were cleared behind PrefixTable's back: empty the verdict cache too.
  ZeroPerCpuArray(obj_->map_fd(XG_MAP_VERDICTS), XG_VERDICT_SLOTS, sizeof(xg_verdict_slot));
  ZeroPerCpuArray(obj_->map_fd(XG_MAP_VERDICT_CTL), 1, sizeof(xg_verdict_ctl));
  ZeroPerCpuArray(obj_->map_fd(XG_MAP_GUARD_STATS), XG_GSTAT_MAX, sizeof(__u64));
  ClearMap(obj_->map_fd(XG_MAP_GUARDS), sizeof(xg_guard_key));
  ClearMap(obj_->map_fd(XG_MAP_GUARD_IF), sizeof(__u32));
  ClearMap(obj_->map_fd(XG_MAP_GUARD_DEDUP), sizeof(xg_guard_dedup_key));
  DrainGuardEvents();
}

}  // namespace xdpguard::test
