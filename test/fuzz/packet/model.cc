// SPDX-License-Identifier: GPL-2.0
#include "model.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace xdpguard::fuzz {
namespace {

using Frame = std::vector<uint8_t>;

constexpr uint64_t kNsPerS = 1000000000ull;
constexpr uint64_t kByteBurstNs = 100ull * 1000 * 1000;  // a byte bucket's tolerance

uint16_t Be16(const Frame& f, size_t at) { return static_cast<uint16_t>(f[at] << 8 | f[at + 1]); }

bool IsVlanTpid(uint16_t t) { return t == 0x8100 || t == 0x88a8 || t == 0x9100; }

guard::Mac MacAt(const Frame& f, size_t at) {
  guard::Mac m;
  std::memcpy(m.data(), &f[at], 6);
  return m;
}

bool HasMac(const std::vector<guard::Mac>& macs, const guard::Mac& m) {
  return std::find(macs.begin(), macs.end(), m) != macs.end();
}

net::Cidr Host(net::Family fam, const uint8_t* bytes) {
  net::Cidr c;
  c.family = fam;
  c.prefixlen = fam == net::Family::kIPv4 ? 32 : 128;
  std::memcpy(c.addr.data(), bytes, fam == net::Family::kIPv4 ? 4 : 16);
  return c;
}

// Parsing state of the IP layer (the datapath's parse contract, docs/datapath.md).
struct Ip {
  bool saddr = false, daddr = false, nd = false, nonfirst = false;
  uint8_t reason = XG_REASON_NONE;
  size_t nd_at = 0;  // ICMPv6 header offset when nd
  MatchFacts facts;
};

// TCP/UDP/SCTP/UDP-Lite: ports (and TCP flags) when the header holds them.
void ParseL4(const Frame& f, size_t at, Ip* ip) {
  const uint8_t p = ip->facts.l4proto;
  if (p != 6 && p != 17 && p != 132 && p != 136) return;
  const size_t need = p == 6 ? 14 : 4;
  if (at + need > f.size()) {
    if (ip->reason == XG_REASON_NONE) ip->reason = XG_REASON_L4_TRUNC;
    return;
  }
  ip->facts.dport = Be16(f, at + 2);
  if (p == 6) ip->facts.tcp_flags = f[at + 13];
  ip->facts.ports_known = true;
}

void ParseIpv4(const Frame& f, size_t l3, Ip* ip) {
  if (l3 + 16 > f.size()) {
    ip->reason = XG_REASON_IPV4_TRUNCATED;
    return;
  }
  ip->facts.source = Host(net::Family::kIPv4, &f[l3 + 12]);
  ip->saddr = true;
  if (l3 + 20 > f.size()) {
    ip->reason = XG_REASON_IPV4_TRUNCATED;
    return;
  }
  ip->daddr = true;
  if (f[l3] >> 4 != 4) {
    ip->reason = XG_REASON_IPV4_VERSION;
    return;
  }
  const size_t ihl = (f[l3] & 0xf) * 4u;
  if (ihl < 20) {
    ip->reason = XG_REASON_IPV4_IHL;
    return;
  }
  if (l3 + ihl > f.size()) {
    ip->reason = XG_REASON_IPV4_OPT_TRUNC;
    return;
  }
  const size_t tot = Be16(f, l3 + 2);
  if (tot < ihl || tot > f.size() - l3) {
    ip->reason = XG_REASON_IPV4_TOTLEN;
    return;
  }
  const uint16_t frag = Be16(f, l3 + 6);
  if (frag & 0x3fff) ip->reason = XG_REASON_IPV4_FRAGMENT;  // MF or an offset
  ip->facts.l4proto = f[l3 + 9];
  if (frag & 0x1fff) {
    ip->nonfirst = true;
    return;
  }
  ParseL4(f, l3 + ihl, ip);
}

bool IsIpv6ExtHeader(uint8_t h) { return h == 0 || h == 43 || h == 60 || h == 135 || h == 51 || h == 44; }

void ParseIpv6(const Frame& f, size_t l3, Ip* ip) {
  if (l3 + 24 > f.size()) {
    ip->reason = XG_REASON_IPV6_TRUNCATED;
    return;
  }
  ip->facts.source = Host(net::Family::kIPv6, &f[l3 + 8]);
  ip->saddr = true;
  if (l3 + 40 > f.size()) {
    ip->reason = XG_REASON_IPV6_TRUNCATED;
    return;
  }
  ip->daddr = true;
  if (f[l3] >> 4 != 6) {
    ip->reason = XG_REASON_IPV6_VERSION;
    return;
  }
  size_t at = l3 + 40;
  uint8_t next = f[l3 + 6];
  for (int i = 0; i < XG_MAX_IPV6_EXTHDRS; i++) {
    if (next == 44) {  // fragment header: 8 bytes
      if (at + 8 > f.size()) {
        ip->reason = XG_REASON_IPV6_EXTHDR_TRUNC;
        return;
      }
      ip->reason = XG_REASON_IPV6_FRAGMENT;
      next = f[at];
      if (Be16(f, at + 2) & 0xfff8) {  // non-first: no upper-layer header here
        ip->facts.l4proto = next;
        ip->nonfirst = true;
        return;
      }
      at += 8;
    } else if (IsIpv6ExtHeader(next)) {
      if (at + 2 > f.size()) {
        ip->reason = XG_REASON_IPV6_EXTHDR_TRUNC;
        return;
      }
      const size_t len = next == 51 ? (f[at + 1] + 2u) * 4 : (f[at + 1] + 1u) * 8;
      next = f[at];
      if (at + len > f.size()) {
        ip->reason = XG_REASON_IPV6_EXTHDR_TRUNC;
        return;
      }
      at += len;
    } else if (next == 58) {  // ICMPv6: ND when a whole 8-byte header says 133..137
      ip->facts.l4proto = 58;
      if (at + 8 <= f.size() && f[at] >= 133 && f[at] <= 137) {
        ip->nd = true;
        ip->nd_at = at;
      }
      return;
    } else {
      ip->facts.l4proto = next;
      ParseL4(f, at, ip);
      return;
    }
  }
  if (IsIpv6ExtHeader(next)) ip->reason = XG_REASON_IPV6_EXTHDR_BUDGET;
}

const ModelGuard* FindGuard(const World& w, const net::Cidr& addr) {
  for (const ModelGuard& g : w.guards)
    if (g.gateway == addr) return &g;
  return nullptr;
}

void Report(Expectation* e, uint8_t stat, bool drop) {
  e->guard[stat]++;
  e->reports++;
  if (drop) {
    e->guard[XG_GSTAT_DROPPED]++;
    e->action = 1;
    e->cls = XG_CLASS_DROP;
  }
}

void GuardArp(const World& w, const Frame& f, size_t l3, Expectation* e) {
  if (l3 + 28 > f.size() || Be16(f, l3) != 1 || Be16(f, l3 + 2) != 0x0800 || f[l3 + 4] != 6 ||
      f[l3 + 5] != 4) {
    e->guard[XG_GSTAT_ARP_MALFORMED]++;
    e->trace += " arp-malformed";
    return;
  }
  const ModelGuard* g = FindGuard(w, Host(net::Family::kIPv4, &f[l3 + 14]));
  if (!g) return;
  const guard::Mac sha = MacAt(f, l3 + 8), eth_src = MacAt(f, 6);
  if (sha != eth_src) {
    e->trace += " arp-mismatch";
    Report(e, XG_GSTAT_ARP_MISMATCH, g->drop);
  } else if (!HasMac(g->macs, sha)) {
    e->trace += " arp-spoof";
    Report(e, XG_GSTAT_ARP_SPOOF, g->drop);
  } else {
    const bool gratuitous = std::memcmp(&f[l3 + 14], &f[l3 + 24], 4) == 0;
    e->guard[gratuitous ? XG_GSTAT_GRATUITOUS : XG_GSTAT_GATEWAY_OK]++;
  }
}

// The first link-layer address option of `type` among the first four options at `at`.
std::optional<guard::Mac> LinkLayerOption(const Frame& f, size_t at, uint8_t type) {
  for (int i = 0; i < 4; i++) {
    if (at + 8 > f.size()) return std::nullopt;
    const size_t len = f[at + 1];
    if (len == 0) return std::nullopt;
    if (f[at] == type && len == 1) return MacAt(f, at + 2);
    at += len * 8;
  }
  return std::nullopt;
}

void GuardNd(const World& w, const Frame& f, size_t l3, size_t icmp, bool fragmented,
             Expectation* e) {
  if (icmp > 512) {  // behind very long extension headers
    e->guard[XG_GSTAT_ND_UNVERIFIABLE]++;
    return;
  }
  const uint8_t type = f[icmp];
  if (type != 134 && type != 136) return;
  if (fragmented) {
    e->guard[XG_GSTAT_ND_UNVERIFIABLE]++;
    return;
  }
  if (f[l3 + 7] != 255) {
    e->guard[XG_GSTAT_HOPLIMIT]++;
    return;
  }
  const guard::Mac eth_src = MacAt(f, 6);
  if (type == 136) {  // neighbour advertisement: target at +8, options at +24
    if (icmp + 24 > f.size()) {
      e->guard[XG_GSTAT_ND_MALFORMED]++;
      return;
    }
    const ModelGuard* g = FindGuard(w, Host(net::Family::kIPv6, &f[icmp + 8]));
    if (!g) return;
    const std::optional<guard::Mac> tlla = LinkLayerOption(f, icmp + 24, 2);
    if ((tlla && !HasMac(g->macs, *tlla)) || !HasMac(g->macs, eth_src)) {
      e->trace += " na-spoof";
      Report(e, XG_GSTAT_NA_SPOOF, g->drop);
      return;
    }
    e->guard[(f[icmp + 4] & 0x40) ? XG_GSTAT_GATEWAY_OK : XG_GSTAT_GRATUITOUS]++;
    return;
  }
  // Router advertisement: checked against every IPv6 gateway's MACs on the interface.
  std::vector<guard::Mac> routers;
  bool any_v6 = false, drop = false;
  for (const ModelGuard& g : w.guards) {
    if (g.gateway.family != net::Family::kIPv6) continue;
    any_v6 = true;
    drop = drop || g.drop;
    routers.insert(routers.end(), g.macs.begin(), g.macs.end());
  }
  if (!any_v6) return;
  if (HasMac(routers, eth_src)) {
    e->guard[XG_GSTAT_GATEWAY_OK]++;
    return;
  }
  if (icmp + 16 > f.size()) {
    e->guard[XG_GSTAT_ND_MALFORMED]++;
    return;
  }
  e->trace += " rogue-ra";
  Report(e, XG_GSTAT_ROGUE_RA, drop);
}

bool Covers(const net::Cidr& prefix, const net::Cidr& host) {
  return prefix.family == host.family && prefix.Contains(host);
}

bool ScopeCovers(const xg_rule& r, const MatchFacts& m) {
  if (r.flags & XG_RULE_NEW_ONLY) {
    if (m.l4proto != 6 || !m.ports_known) return false;
    if ((m.tcp_flags & (XG_TCP_SYN | XG_TCP_ACK)) != XG_TCP_SYN) return false;
  }
  if (r.nports == 0) return true;
  if (!m.ports_known) return false;
  for (int i = 0; i < r.nports && i < XG_MAX_PORTS; i++)
    if (__builtin_bswap16(r.ports[i]) == m.dport) return true;
  return false;
}

bool Plain(const xg_rule& r) {
  return !r.expires_ns && r.nports == 0 && !(r.flags & XG_RULE_NEW_ONLY) &&
         r.action != XG_ACTION_RATELIMIT;
}

// The allowlist, then the blocklist's longest applicable rule.
void Decide(const World& w, const MatchFacts& m, uint64_t now_ns, Expectation* e) {
  for (const net::Cidr& a : w.allow) {
    if (Covers(a, m.source)) {
      e->cls = XG_CLASS_ALLOW;
      e->trace += " allow " + a.ToString();
      return;
    }
  }
  std::vector<const ModelRule*> covering;
  for (const ModelRule& r : w.block)
    if (Covers(r.cidr, m.source)) covering.push_back(&r);
  std::sort(covering.begin(), covering.end(), [](const ModelRule* a, const ModelRule* b) {
    return a->cidr.prefixlen > b->cidr.prefixlen;
  });
  const ModelRule* chosen = nullptr;
  uint8_t reason = XG_REASON_NONE;
  for (size_t tried = 0; tried < covering.size(); tried++) {
    const ModelRule* r = covering[tried];
    if (tried == 0 && Plain(r->rule)) {
      chosen = r;
      break;
    }
    const bool expired = r->rule.expires_ns && r->rule.expires_ns <= now_ns;
    if (expired) reason = XG_REASON_RULE_EXPIRED;
    if (!expired && ScopeCovers(r->rule, m)) {
      chosen = r;
      break;
    }
    e->trace += " skip " + r->cidr.ToString() + (expired ? "(expired)" : "(scope)");
    // More than XG_MAX_RULE_RETRIES rules skipped: the search ends (a /0 has nothing behind).
    if (tried + 1 > XG_MAX_RULE_RETRIES) {
      if (r->cidr.prefixlen) reason = XG_REASON_RULE_BUDGET;
      break;
    }
  }
  if (reason != XG_REASON_NONE) e->reason = reason;
  if (!chosen) return;
  const xg_rule& rule = chosen->rule;
  e->matched = true;
  e->rule = chosen->cidr;
  e->origin = rule.origin;
  e->monitor = (rule.flags & XG_RULE_MONITOR) || w.if_monitor;
  e->trace += " rule " + chosen->cidr.ToString();
  if (rule.action == XG_ACTION_RATELIMIT) {
    e->rate_limited = true;
    e->rl_rule = rule;
    xg_bucket_key& k = e->bucket;
    k = {};
    k.rule.family = chosen->cidr.family == net::Family::kIPv4 ? XG_FAM_IPV4 : XG_FAM_IPV6;
    k.rule.prefixlen = chosen->cidr.prefixlen;
    std::memcpy(k.rule.addr, chosen->cidr.addr.data(), 16);
    if (rule.rl_per == XG_RL_PER_SOURCE) std::memcpy(k.src, m.source.addr.data(), 16);
    return;  // the class waits for ApplyRateLimitOutcome
  }
  if (rule.action != XG_ACTION_DROP) {
    e->cls = XG_CLASS_RULE_PASS;
  } else if (e->monitor) {
    e->cls = XG_CLASS_MONITOR;
  } else {
    e->cls = XG_CLASS_DROP;
    e->action = 1;
  }
}

}  // namespace

Expectation Classify(const World& world, const Frame& f, uint64_t now_ns) {
  Expectation e;
  e.bytes = f.size();
  if (f.size() < 14) {
    e.reason = XG_REASON_ETH_SHORT;
    return e;
  }
  size_t at = 14;
  uint16_t proto = Be16(f, 12);
  for (int i = 0; i < XG_MAX_VLAN_DEPTH && IsVlanTpid(proto); i++) {
    if (at + 4 > f.size()) {
      e.reason = XG_REASON_VLAN_TRUNCATED;
      return e;
    }
    proto = Be16(f, at + 2);
    at += 4;
  }
  if (IsVlanTpid(proto)) {
    e.reason = XG_REASON_VLAN_TOO_DEEP;
    return e;
  }
  if (proto == 0x0806) {
    e.reason = XG_REASON_ARP;
    GuardArp(world, f, at, &e);
    return e;
  }
  Ip ip;
  if (proto == 0x0800) {
    e.family = XG_FAM_IPV4;
    ParseIpv4(f, at, &ip);
  } else if (proto == 0x86dd) {
    e.family = XG_FAM_IPV6;
    ParseIpv6(f, at, &ip);
  } else {
    e.reason = XG_REASON_ETHERTYPE_OTHER;
    return e;
  }
  e.reason = ip.reason;
  if (ip.nd) {
    e.reason = XG_REASON_ND;
    GuardNd(world, f, at, ip.nd_at, ip.reason == XG_REASON_IPV6_FRAGMENT, &e);
    return e;
  }
  if (ip.saddr) Decide(world, ip.facts, now_ns, &e);
  return e;
}

namespace {

// One GCRA clock: the range of its value after a packet costing `cost` that conforms at a
// time in [t0, t1] (tat' = max(tat, now) + cost).
bool AdvancedWithin(uint64_t before, uint64_t after, uint64_t cost, uint64_t t0, uint64_t t1) {
  return after >= std::max(before, t0) + cost && after <= std::max(before, t1) + cost;
}

}  // namespace

std::string RateLimitCheck(const xg_rule& rule, uint64_t bytes,
                           const std::optional<BucketState>& before,
                           const std::optional<BucketState>& after, uint64_t t0, uint64_t t1,
                           bool* conformed) {
  *conformed = false;
  if (rule.rl_pps == 0) {  // fail closed, no bucket touched
    if (before.has_value() != after.has_value()) return "a zero-rate rule touched a bucket";
    return "";
  }
  const uint64_t interval = kNsPerS / rule.rl_pps;
  const uint64_t tolerance = interval * (rule.rl_burst ? rule.rl_burst - 1 : 0);
  const uint64_t byte_cost = rule.rl_bps ? (bytes * kNsPerS + rule.rl_bps - 1) / rule.rl_bps : 0;
  if (!after) return "no bucket after a rate-limited packet";
  if (!before) {  // a fresh bucket: the first packet conforms
    *conformed = true;
    if (!AdvancedWithin(0, after->tat_ns, interval, t0, t1) ||
        !AdvancedWithin(0, after->byte_tat_ns, byte_cost, t0, t1))
      return "a fresh bucket's clocks are not now + cost";
    return "";
  }
  // Conforming moves the packet clock (and the byte clock when there is a byte rate);
  // over the limit leaves the byte clock as it was.
  *conformed = rule.rl_bps ? after->byte_tat_ns != before->byte_tat_ns : after->tat_ns != before->tat_ns;
  // The packet clock may be over its tolerance only if now < tat - tolerance for some now.
  const bool pkt_can_pass = before->tat_ns <= t1 + tolerance;
  const bool pkt_can_fail = before->tat_ns > t0 + tolerance;
  if (*conformed) {
    if (!pkt_can_pass) return "conformed although the packet clock was over its tolerance";
    if (!AdvancedWithin(before->tat_ns, after->tat_ns, interval, t0, t1))
      return "the packet clock did not advance by one interval";
    if (rule.rl_bps) {
      if (before->byte_tat_ns > t1 + kByteBurstNs)
        return "conformed although the byte clock was over its tolerance";
      if (!AdvancedWithin(before->byte_tat_ns, after->byte_tat_ns, byte_cost, t0, t1))
        return "the byte clock did not advance by the packet's cost";
    } else if (after->byte_tat_ns != before->byte_tat_ns) {
      return "the byte clock moved without a byte rate";
    }
    return "";
  }
  if (after->byte_tat_ns != before->byte_tat_ns) return "over the limit but the byte clock moved";
  if (after->tat_ns == before->tat_ns && pkt_can_fail) return "";  // over the packet limit
  // Over the byte limit: the packet clock was caught up to now (or left) and given back.
  if (!rule.rl_bps) return "over the limit but the packet clock moved";
  if (!pkt_can_pass) return "byte-limited although the packet clock was already over";
  if (before->byte_tat_ns + byte_cost <= t0 + kByteBurstNs)
    return "byte-limited although the byte clock had room at every time in the bracket";
  if (after->tat_ns < before->tat_ns || after->tat_ns > std::max(before->tat_ns, t1))
    return "byte-limited but the packet clock is not max(tat, now)";
  return "";
}

void ApplyRateLimitOutcome(Expectation* e, bool conformed) {
  if (conformed) {
    e->cls = XG_CLASS_RULE_PASS;
    e->trace += " rl-conform";
    return;
  }
  e->trace += " rl-over";
  if (e->monitor) {
    e->cls = XG_CLASS_MONITOR;
  } else {
    e->cls = XG_CLASS_RATELIMIT;
    e->action = 1;
  }
}

}  // namespace xdpguard::fuzz
