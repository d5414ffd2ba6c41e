// SPDX-License-Identifier: GPL-2.0
#include "world.h"

#include <time.h>

#include <algorithm>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "datapath/keys.h"

namespace xdpguard::fuzz {
namespace {

void Check(const absl::Status& s, const std::string& what) {
  if (!s.ok()) throw std::runtime_error(what + ": " + std::string(s.message()));
}

uint64_t MonotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// The prefix with host bits cleared.
net::Cidr Masked(net::Cidr c) {
  datapath::MaskedAddress(c, 16, c.addr.data());
  return c;
}

template <typename T>
bool Contains(const std::vector<T>& v, const net::Cidr& c) {
  return std::any_of(v.begin(), v.end(), [&](const T& x) {
    if constexpr (std::is_same_v<T, net::Cidr>) {
      return x == c;
    } else {
      return x.cidr == c;
    }
  });
}

// Guards allow MACs from this small set, so the IPv6 union always fits its 16 slots.
constexpr guard::Mac kGatewayMacs[] = {{0x02, 0x47, 0, 0, 0, 1}, {0x02, 0x47, 0, 0, 0, 2},
                                       {0x02, 0x47, 0, 0, 0, 3}, {0x02, 0x47, 0, 0, 0, 4},
                                       {0x02, 0x47, 0, 0, 0, 5}, {0x02, 0x47, 0, 0, 0, 6}};

}  // namespace

WorldDriver::WorldDriver(test::BpfTester* tester, uint64_t seed) : tester_(tester), rng_(seed) {}

net::Cidr WorldDriver::RandomPrefix(net::Family fam) {
  net::Cidr c;
  c.family = fam;
  const bool v4 = fam == net::Family::kIPv4;
  // Nested: often a longer prefix inside an existing rule or allowlist entry.
  std::vector<net::Cidr> same;
  for (const ModelRule& r : world_.block)
    if (r.cidr.family == fam) same.push_back(r.cidr);
  for (const net::Cidr& a : world_.allow)
    if (a.family == fam) same.push_back(a);
  for (size_t i = 0; i < 16; i++) c.addr[i] = static_cast<uint8_t>(rng_());
  if (v4 && Chance(60)) c.addr[0] = 203;  // a dense region where prefixes collide
  const uint32_t draw = Below(100);
  if (v4) {
    c.prefixlen = draw < 35 ? 32 : draw < 55 ? 24 : draw < 65 ? 16 : draw < 70 ? 8
                : draw < 97 ? static_cast<uint8_t>(8 + Below(25)) : static_cast<uint8_t>(Below(8));
  } else {
    c.prefixlen = draw < 30 ? 128 : draw < 50 ? 64 : draw < 60 ? 48 : draw < 65 ? 32
                : draw < 97 ? static_cast<uint8_t>(16 + Below(113)) : static_cast<uint8_t>(Below(16));
  }
  if (!same.empty() && Chance(45)) {
    const net::Cidr& outer = same[Below(static_cast<uint32_t>(same.size()))];
    const uint32_t max = v4 ? 32 : 128;
    const uint32_t longer = outer.prefixlen + Below(max - outer.prefixlen + 1);
    net::Cidr inner = outer;
    for (size_t i = 0; i < 16; i++) inner.addr[i] = c.addr[i];
    // Keep the outer prefix's bits, random bits after them.
    for (size_t i = 0; i < 16; i++) {
      const int bits = std::clamp(static_cast<int>(outer.prefixlen) - static_cast<int>(8 * i), 0, 8);
      const uint8_t mask = static_cast<uint8_t>(0xff00 >> bits);
      inner.addr[i] = static_cast<uint8_t>((outer.addr[i] & mask) | (c.addr[i] & ~mask));
    }
    inner.prefixlen = static_cast<uint8_t>(longer);
    c = inner;
  }
  if (v4) std::fill(c.addr.begin() + 4, c.addr.end(), 0);
  return Masked(c);
}

xg_rule WorldDriver::RandomRule() {
  xg_rule r{};
  const uint32_t action = Below(100);
  r.action = action < 50 ? XG_ACTION_DROP : action < 70 ? XG_ACTION_PASS : XG_ACTION_RATELIMIT;
  if (Chance(15)) r.flags |= XG_RULE_MONITOR;
  if (Chance(10)) r.flags |= XG_RULE_NEW_ONLY;
  r.origin = static_cast<uint16_t>(Below(XG_MAX_ORIGINS));
  if (Chance(25)) {
    static constexpr uint16_t kPorts[] = {22, 53, 80, 443, 8080, 9999};
    r.nports = static_cast<uint8_t>(1 + Below(XG_MAX_PORTS));
    for (int i = 0; i < r.nports; i++) r.ports[i] = __builtin_bswap16(kPorts[Below(6)]);
  }
  const uint32_t expiry = Below(100);
  if (expiry < 10) r.expires_ns = 1;  // long past
  else if (expiry < 20) r.expires_ns = MonotonicNs() + 3600ull * 1000000000ull;
  if (r.action == XG_ACTION_RATELIMIT) {
    static constexpr uint32_t kPps[] = {1, 10, 1000, 100000, 400000};
    r.rl_pps = Chance(2) ? 0 : kPps[Below(5)];  // 0: never written by the CLI; fails closed
    r.rl_burst = 1 + Below(Chance(50) ? 3 : 50);
    r.rl_per = Chance(50) ? XG_RL_PER_SOURCE : XG_RL_PER_RULE;
    static constexpr uint64_t kBps[] = {0, 0, 20000, 1000000, 100000000};
    r.rl_bps = kBps[Below(5)];
  }
  return r;
}

void WorldDriver::RefreshPools() {
  pools_.prefixes.clear();
  for (const ModelRule& r : world_.block) pools_.prefixes.push_back(r.cidr);
  pools_.prefixes.insert(pools_.prefixes.end(), world_.allow.begin(), world_.allow.end());
  pools_.gateways.clear();
  for (const ModelGuard& g : world_.guards) pools_.gateways.push_back(g.gateway);
  pools_.macs.assign(std::begin(kGatewayMacs), std::end(kGatewayMacs));
}

std::string WorldDriver::AddRules(size_t n) {
  std::vector<datapath::PrefixTable<xg_rule>::Entry> entries;
  std::vector<ModelRule> added;
  for (size_t i = 0; i < n; i++) {
    ModelRule r{RandomPrefix(Chance(65) ? net::Family::kIPv4 : net::Family::kIPv6), RandomRule()};
    r.rule.prefixlen = r.cidr.prefixlen;
    if (Contains(added, r.cidr)) continue;
    entries.push_back({r.cidr, r.rule});
    added.push_back(r);
  }
  Check(tester_->block().Upsert(entries), "blocklist upsert");
  for (const ModelRule& r : added) {  // an upsert overwrites an existing prefix's rule
    auto it = std::find_if(world_.block.begin(), world_.block.end(),
                           [&](const ModelRule& x) { return x.cidr == r.cidr; });
    if (it != world_.block.end()) {
      *it = r;
    } else {
      world_.block.push_back(r);
    }
  }
  return absl::StrCat("upsert ", added.size(), " rules");
}

// Up to eight nested prefixes over one address, most of them skipped by some packets
// (expired, port or new-only scope): the retry budget and the fallback to covering rules.
std::string WorldDriver::AddStack() {
  const net::Family fam = Chance(60) ? net::Family::kIPv4 : net::Family::kIPv6;
  const uint32_t max = fam == net::Family::kIPv4 ? 32 : 128;
  net::Cidr host = RandomPrefix(fam);
  for (size_t i = 0; i < 16; i++) host.addr[i] = static_cast<uint8_t>(rng_());
  if (fam == net::Family::kIPv4) std::fill(host.addr.begin() + 4, host.addr.end(), 0);
  std::vector<uint32_t> lens;
  for (uint32_t i = 0, n = 3 + Below(6); i < n; i++) lens.push_back(Below(max + 1));
  std::vector<datapath::PrefixTable<xg_rule>::Entry> entries;
  for (uint32_t len : lens) {
    net::Cidr c = host;
    c.prefixlen = static_cast<uint8_t>(len);
    c = Masked(c);
    bool dup = false;
    for (const auto& e : entries) dup = dup || e.cidr == c;
    if (dup) continue;
    xg_rule r = RandomRule();
    if (Chance(40)) r.expires_ns = 1;
    else if (Chance(50)) {
      r.nports = 1;
      r.ports[0] = __builtin_bswap16(Chance(50) ? 443 : 9999);
    }
    r.prefixlen = c.prefixlen;
    entries.push_back({c, r});
  }
  Check(tester_->block().Upsert(entries), "stack upsert");
  for (const auto& e : entries) {
    auto it = std::find_if(world_.block.begin(), world_.block.end(),
                           [&](const ModelRule& x) { return x.cidr == e.cidr; });
    if (it != world_.block.end()) {
      it->rule = e.value;
    } else {
      world_.block.push_back({e.cidr, e.value});
    }
  }
  return absl::StrCat("stack of ", entries.size(), " over ", host.ToString());
}

std::string WorldDriver::DeleteRules(size_t n) {
  std::vector<net::Cidr> gone;
  // Shortest first sometimes: deleting a covering prefix with more specific ones inside.
  if (Chance(30))
    std::sort(world_.block.begin(), world_.block.end(),
              [](const ModelRule& a, const ModelRule& b) { return a.cidr.prefixlen < b.cidr.prefixlen; });
  for (size_t i = 0; i < n && !world_.block.empty(); i++) {
    const size_t at = Chance(50) ? 0 : Below(static_cast<uint32_t>(world_.block.size()));
    gone.push_back(world_.block[at].cidr);
    world_.block.erase(world_.block.begin() + static_cast<long>(at));
  }
  if (!gone.empty()) Check(tester_->block().Delete(gone), "blocklist delete");
  return absl::StrCat("delete ", gone.size(), " rules");
}

std::string WorldDriver::AddAllow() {
  net::Cidr c = RandomPrefix(Chance(65) ? net::Family::kIPv4 : net::Family::kIPv6);
  std::string how = "allow ";
  if (!world_.block.empty() && Chance(30)) {  // move a rule's prefix to the allowlist
    const size_t at = Below(static_cast<uint32_t>(world_.block.size()));
    c = world_.block[at].cidr;
    Check(tester_->block().Delete({c}), "move: blocklist delete");
    world_.block.erase(world_.block.begin() + static_cast<long>(at));
    how = "move to allowlist ";
  }
  if (Contains(world_.allow, c)) return "allow (present)";
  xg_allow v{};
  v.origin = static_cast<uint16_t>(Below(XG_MAX_ORIGINS));
  Check(tester_->allow().Upsert({{c, v}}), "allowlist upsert");
  world_.allow.push_back(c);
  return how + c.ToString();
}

std::string WorldDriver::DeleteAllow() {
  if (world_.allow.empty()) return "allow delete (none)";
  const size_t at = Below(static_cast<uint32_t>(world_.allow.size()));
  const net::Cidr c = world_.allow[at];
  Check(tester_->allow().Delete({c}), "allowlist delete");
  world_.allow.erase(world_.allow.begin() + static_cast<long>(at));
  return "unallow " + c.ToString();
}

std::string WorldDriver::ChangeGuards() {
  if (!world_.guards.empty() && Chance(35)) {
    const size_t at = Below(static_cast<uint32_t>(world_.guards.size()));
    Check(tester_->guards().Del(kIfindex, world_.guards[at].gateway), "guard delete");
    const std::string what = "unguard " + world_.guards[at].gateway.ToString();
    world_.guards.erase(world_.guards.begin() + static_cast<long>(at));
    return what;
  }
  ModelGuard g;
  g.gateway = RandomPrefix(Chance(55) ? net::Family::kIPv4 : net::Family::kIPv6);
  g.gateway.prefixlen = static_cast<uint8_t>(g.gateway.MaxPrefixLen());
  for (uint32_t i = 0, n = 1 + Below(3); i < n; i++) {
    const guard::Mac& m = kGatewayMacs[Below(6)];
    if (std::find(g.macs.begin(), g.macs.end(), m) == g.macs.end()) g.macs.push_back(m);
  }
  g.drop = Chance(50);
  guard::GuardEntry e{kIfindex, g.gateway, {}, g.drop};
  for (const guard::Mac& m : g.macs) e.macs.push_back({m, false});
  Check(tester_->guards().Add(e), "guard add");
  auto it = std::find_if(world_.guards.begin(), world_.guards.end(),
                         [&](const ModelGuard& x) { return x.gateway == g.gateway; });
  if (it != world_.guards.end()) {
    *it = g;
  } else {
    world_.guards.push_back(g);
  }
  return absl::StrCat("guard ", g.gateway.ToString(), g.drop ? " (drop)" : "");
}

std::string WorldDriver::ChangeInterface() {
  settings_.monitor = Chance(25);
  settings_.flow_mode = static_cast<uint8_t>(Below(3));  // matched, off, all
  settings_.drop_sample_shift = static_cast<uint8_t>(Below(7));
  settings_.pass_sample_shift = static_cast<uint8_t>(Below(7));
  settings_.stats_slot = Chance(50) ? own_slot_ : 0;
  tester_->SetInterfaceSettings(kIfindex, settings_);
  world_.if_monitor = settings_.monitor;
  return absl::StrCat("interface monitor=", settings_.monitor, " flows=", settings_.flow_mode,
                      " slot=", settings_.stats_slot);
}

void WorldDriver::Start(size_t rules) {
  tester_->Reset();
  own_slot_ = tester_->AssignStatsSlot(kIfindex);
  settings_ = {};
  settings_.stats_slot = own_slot_;
  tester_->SetInterfaceSettings(kIfindex, settings_);
  world_ = {};
  while (world_.block.size() < rules) AddRules(std::min<size_t>(64, rules - world_.block.size()));
  for (int i = 0; i < 6; i++) AddStack();
  for (int i = 0; i < 12; i++) AddAllow();
  for (int i = 0; i < 5; i++) ChangeGuards();
  RefreshPools();
}

std::string WorldDriver::Mutate() {
  const uint32_t kind = Below(100);
  std::string what;
  if (kind < 25) what = AddRules(1 + Below(20));
  else if (kind < 30) what = AddStack();
  else if (kind < 50) what = DeleteRules(1 + Below(10));
  else if (kind < 62) what = AddAllow();
  else if (kind < 70) what = DeleteAllow();
  else if (kind < 85) what = ChangeGuards();
  else what = ChangeInterface();
  RefreshPools();
  return what;
}

}  // namespace xdpguard::fuzz
