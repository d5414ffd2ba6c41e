// SPDX-License-Identifier: GPL-2.0
#include "lists/explain.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "datapath/keys.h"
#include "lists/manual_rules.h"

namespace xdpguard::lists {
namespace {

// The address masked to len bits (the maps' exact keys).
net::Cidr Prefix(const net::Cidr& address, int len) {
  net::Cidr c = address;
  c.prefixlen = static_cast<uint8_t>(len);
  datapath::MaskedAddress(c, 16, c.addr.data());
  return c;
}

}  // namespace

absl::StatusOr<Explanation> Explain(const datapath::PrefixTable<xg_rule>& block,
                                    const datapath::PrefixTable<xg_allow>& allow,
                                    const net::Cidr& address, uint64_t now_mono_ns) {
  if (address.prefixlen != address.MaxPrefixLen())
    return absl::InvalidArgumentError(
        absl::StrCat("explain takes one address, not the prefix ", address.ToString()));
  Explanation e;
  e.address = address;
  for (int len = address.MaxPrefixLen(); len >= 0; len--) {
    const net::Cidr c = Prefix(address, len);
    absl::StatusOr<std::optional<xg_allow>> a = allow.Get(c);
    if (!a.ok()) return a.status();
    if (*a) {
      e.allow.push_back(c);
      e.allow_values.push_back(**a);
    }
    absl::StatusOr<std::optional<xg_rule>> r = block.Get(c);
    if (!r.ok()) return r.status();
    if (!*r) continue;
    CoveringRule cr{c, **r};
    cr.expired = IsExpired(cr.rule, now_mono_ns);
    cr.scoped = cr.rule.nports != 0 || (cr.rule.flags & XG_RULE_NEW_ONLY);
    e.block.push_back(cr);
  }
  // The datapath's walk: skip expired and scoped rules (a scoped rule decides only for the
  // packets it covers), at most XG_MAX_RULE_RETRIES of them.
  size_t skipped = 0;
  for (size_t i = 0; i < e.block.size(); i++) {
    CoveringRule& cr = e.block[i];
    if (skipped > XG_MAX_RULE_RETRIES) {
      cr.reached = false;
      continue;
    }
    if (!e.deciding && !cr.expired && !cr.scoped) {
      e.deciding = i;
      continue;
    }
    if (!e.deciding) skipped++;
    if (e.deciding) cr.reached = false;  // behind the deciding rule: never consulted
  }
  if (!e.allow.empty()) {  // the allowlist is consulted first: no rule is
    e.deciding.reset();
    for (CoveringRule& cr : e.block) cr.reached = false;
  }
  bool any_scoped = false;
  for (const CoveringRule& cr : e.block) any_scoped = any_scoped || (cr.reached && cr.scoped && !cr.expired);
  e.verdict = !e.allow.empty() ? "allow" : e.deciding ? "rule" : any_scoped ? "scoped" : "none";
  return e;
}

}  // namespace xdpguard::lists
