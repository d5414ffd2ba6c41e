// SPDX-License-Identifier: GPL-2.0
// "Why is this address blocked?": every allowlist entry and blocklist rule that covers an
// address, longest first, and which of them decides, by the datapath's rules (an
// allowlist hit passes; otherwise the longest rule that applies wins, expired rules and
// rules whose scope does not cover the packet fall back to the covering rule, for at most
// XG_MAX_RULE_RETRIES skipped rules). Answered by exact lookups of each prefix length in
// the list tables, so it costs milliseconds whatever the lists' size.
#ifndef XDPGUARD_LISTS_EXPLAIN_H_
#define XDPGUARD_LISTS_EXPLAIN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datapath/prefix_table.h"
#include "net/cidr.h"
#include "xdpguard_maps.h"

namespace xdpguard::lists {

struct CoveringRule {
  net::Cidr cidr;
  xg_rule rule{};
  bool expired = false;
  bool scoped = false;   // ports or new-only: applies to some packets only
  bool reached = true;   // false: beyond the retry budget, the datapath never gets here
};

struct Explanation {
  net::Cidr address;                    // /32 or /128
  std::vector<net::Cidr> allow;         // covering allowlist entries, longest first
  std::vector<xg_allow> allow_values;   // same order
  std::vector<CoveringRule> block;      // covering blocklist rules, longest first
  // The rule that applies to every packet from the address, when one does (index into
  // block). Scoped rules before it apply to the packets their scope covers.
  std::optional<size_t> deciding;
  // "allow" (an allowlist entry covers it: everything passes), "rule" (deciding is set),
  // "scoped" (only scoped rules apply: other packets pass) or "none" (not listed).
  std::string verdict;
};

// address must be a single address (/32 or /128). now_mono_ns decides expiry.
absl::StatusOr<Explanation> Explain(const datapath::PrefixTable<xg_rule>& block,
                                    const datapath::PrefixTable<xg_allow>& allow,
                                    const net::Cidr& address, uint64_t now_mono_ns);

}  // namespace xdpguard::lists

#endif  // XDPGUARD_LISTS_EXPLAIN_H_
