// SPDX-License-Identifier: GPL-2.0
#include "guard/guard_store.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace xdpguard::guard {
namespace {

// The first n of the 6-byte MACs in a map value.
template <size_t N>
std::vector<Mac> Macs(const __u8 (&macs)[N][XG_ETH_ALEN], uint8_t n) {
  std::vector<Mac> out;
  for (size_t i = 0; i < n && i < N; i++) {
    Mac m;
    std::memcpy(m.data(), macs[i], XG_ETH_ALEN);
    out.push_back(m);
  }
  return out;
}

GuardEntry Decode(const xg_guard_key& k, const xg_guard& g) {
  GuardEntry e;
  e.ifindex = k.ifindex;
  e.gateway.family = k.family == XG_FAM_IPV4 ? net::Family::kIPv4 : net::Family::kIPv6;
  e.gateway.prefixlen = static_cast<uint8_t>(e.gateway.MaxPrefixLen());
  std::memcpy(e.gateway.addr.data(), k.addr, e.gateway.family == net::Family::kIPv4 ? 4 : 16);
  e.drop = g.flags & XG_GUARD_DROP;
  std::vector<Mac> macs = Macs(g.macs, g.nmacs);
  for (size_t i = 0; i < macs.size(); i++) e.macs.push_back({macs[i], ((g.learned >> i) & 1) != 0});
  return e;
}

}  // namespace

xg_guard_key GuardKey(uint32_t ifindex, const net::Cidr& gateway) {
  xg_guard_key k{};
  k.ifindex = ifindex;
  k.family = gateway.family == net::Family::kIPv4 ? XG_FAM_IPV4 : XG_FAM_IPV6;
  std::memcpy(k.addr, gateway.addr.data(), 16);
  return k;
}

absl::Status GuardStore::Add(const GuardEntry& e) {
  if (e.gateway.prefixlen != e.gateway.MaxPrefixLen())
    return absl::InvalidArgumentError(absl::StrCat(
        "--gateway must be one address, not a prefix (got ", e.gateway.ToString(), ")"));
  if (e.macs.empty() || e.macs.size() > XG_GUARD_MAX_MACS)
    return absl::InvalidArgumentError(
        absl::StrCat("a gateway needs 1 to ", XG_GUARD_MAX_MACS, " allowed MACs, got ",
                     e.macs.size()));
  xg_guard_key key = GuardKey(e.ifindex, e.gateway);
  xg_guard value{};
  value.flags = e.drop ? XG_GUARD_DROP : 0;
  value.nmacs = static_cast<uint8_t>(e.macs.size());
  for (size_t i = 0; i < e.macs.size(); i++) {
    std::memcpy(value.macs[i], e.macs[i].mac.data(), 6);
    if (e.macs[i].learned) value.learned |= static_cast<uint8_t>(1u << i);
  }
  xg_guard prior{};
  absl::StatusOr<bool> existed = guards_->Lookup(&key, &prior);
  if (!existed.ok()) return existed.status();
  uint32_t n = 0;
  if (absl::Status s = guards_->UpdateBatch(&key, &value, 1, &n); !s.ok()) return s;
  if (absl::Status s = RebuildInterface(e.ifindex); !s.ok()) {
    // Put the previous state back so the two maps never disagree.
    if (*existed) {
      (void)guards_->UpdateBatch(&key, &prior, 1, &n);
    } else {
      (void)guards_->DeleteBatch(&key, 1, &n);
    }
    (void)RebuildInterface(e.ifindex);
    return s;
  }
  return absl::OkStatus();
}

absl::Status GuardStore::Del(uint32_t ifindex, const net::Cidr& gateway) {
  xg_guard_key key = GuardKey(ifindex, gateway);
  xg_guard value{};
  absl::StatusOr<bool> found = guards_->Lookup(&key, &value);
  if (!found.ok()) return found.status();
  if (!*found)
    return absl::NotFoundError(absl::StrCat("no guard for ", gateway.ToString(),
                                            " on interface index ", ifindex));
  uint32_t n = 0;
  if (absl::Status s = guards_->DeleteBatch(&key, 1, &n); !s.ok()) return s;
  return RebuildInterface(ifindex);
}

absl::StatusOr<std::vector<GuardEntry>> GuardStore::List() const {
  std::vector<GuardEntry> out;
  absl::Status s = guards_->ForEach([&](const void* k, const void* v) {
    out.push_back(Decode(*static_cast<const xg_guard_key*>(k), *static_cast<const xg_guard*>(v)));
  });
  if (!s.ok()) return s;
  std::sort(out.begin(), out.end(), [](const GuardEntry& a, const GuardEntry& b) {
    return std::tie(a.ifindex, a.gateway) < std::tie(b.ifindex, b.gateway);
  });
  return out;
}

absl::StatusOr<std::vector<Mac>> GuardStore::AllowedForEvent(const xg_guard_event& ev) const {
  if (ev.kind == XG_GUARD_ROGUE_RA) {
    uint32_t ifindex = ev.ifindex;
    xg_guard_if gi{};
    absl::StatusOr<bool> found = guard_if_->Lookup(&ifindex, &gi);
    if (!found.ok()) return found.status();
    return *found ? Macs(gi.macs, gi.nmacs) : std::vector<Mac>{};
  }
  xg_guard_key key{};
  key.ifindex = ev.ifindex;
  key.family = ev.family;
  std::memcpy(key.addr, ev.gateway, sizeof(key.addr));
  xg_guard g{};
  absl::StatusOr<bool> found = guards_->Lookup(&key, &g);
  if (!found.ok()) return found.status();
  return *found ? Macs(g.macs, g.nmacs) : std::vector<Mac>{};
}

absl::Status GuardStore::RebuildInterface(uint32_t ifindex) {
  absl::StatusOr<std::vector<GuardEntry>> all = List();
  if (!all.ok()) return all.status();
  xg_guard_if gi{};
  std::vector<Mac> macs;
  for (const GuardEntry& e : *all) {
    if (e.ifindex != ifindex || e.gateway.family != net::Family::kIPv6) continue;
    gi.has_v6 = 1;
    if (e.drop) gi.flags |= XG_GUARD_DROP;
    for (const AllowedMac& m : e.macs)
      if (std::find(macs.begin(), macs.end(), m.mac) == macs.end()) macs.push_back(m.mac);
  }
  if (macs.size() > XG_GUARD_IF_MAX_MACS)
    return absl::FailedPreconditionError(absl::StrCat(
        "the IPv6 gateways guarded on this interface would allow ", macs.size(),
        " different MACs; at most ", XG_GUARD_IF_MAX_MACS, " fit the router-advertisement check"));
  uint32_t n = 0;
  if (!gi.has_v6) {
    xg_guard_if unused{};
    absl::StatusOr<bool> found = guard_if_->Lookup(&ifindex, &unused);
    if (!found.ok()) return found.status();
    return *found ? guard_if_->DeleteBatch(&ifindex, 1, &n) : absl::OkStatus();
  }
  gi.nmacs = static_cast<uint8_t>(macs.size());
  for (size_t i = 0; i < macs.size(); i++) std::memcpy(gi.macs[i], macs[i].data(), 6);
  return guard_if_->UpdateBatch(&ifindex, &gi, 1, &n);
}

GuardStore PinnedGuardStore(const datapath::PinnedMaps& maps) {
  return GuardStore(maps.map(XG_MAP_GUARDS), maps.map(XG_MAP_GUARD_IF));
}

}  // namespace xdpguard::guard
