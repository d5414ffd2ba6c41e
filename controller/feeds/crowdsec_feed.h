// SPDX-License-Identifier: GPL-2.0
// The CrowdSec Local API as a feed (format "crowdsec"): the stream URL of a pull, which
// decision becomes which rule, and the groups the feed engine applies. The stream itself
// (parsing, the decision set, deltas) is crowdsec_stream.h; the engine's use of both is
// feed_engine_crowdsec.cc.
//
// A decision's type picks its rule: the feed's "types" map (e.g. throttle -> ratelimit
// 10/s), else the feed's own rule (drop by default), so "ban" drops unless configured
// otherwise. A decision's end becomes the entry's datapath deadline, rounded up to
// kDecisionDeadlineStepS so that a big set shares a few rule slots per type instead of
// one per decision; the service itself removes a decision at its exact end (and the Local
// API reports expired decisions as deleted in its next delta).
#ifndef XDPGUARD_FEEDS_CROWDSEC_FEED_H_
#define XDPGUARD_FEEDS_CROWDSEC_FEED_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "feeds/crowdsec_stream.h"
#include "lists/manual_rules.h"
#include "net/cidr.h"

namespace xdpguard::feeds {

inline constexpr int64_t kDecisionDeadlineStepS = 60;
inline constexpr const char* kCrowdsecStreamPath = "/v1/decisions/stream";
inline constexpr const char* kCrowdsecScopes = "ip,range,country,as,username,session";

// base: the Local API's URL ("http://127.0.0.1:8080", with or without a trailing slash,
// or already ending in /v1/decisions/stream). startup: a full pull (every active
// decision) instead of the changes since this bouncer's last pull.
std::string CrowdsecStreamUrl(const std::string& base, bool startup);

// Decisions that share a rule and a rounded deadline: one value in the datapath.
struct DecisionGroup {
  std::string type;
  lists::RuleOptions rule;
  int64_t deadline_unix_s = 0;   // the latest end in the group, rounded up to the step
  std::vector<net::Cidr> cidrs;  // sorted, unique
};

// active: DecisionSet::Active (sorted by prefix). Groups come out ordered by type, then
// deadline.
std::vector<DecisionGroup> GroupDecisions(const std::vector<ActiveDecision>& active,
                                          const std::map<std::string, lists::RuleOptions>& types,
                                          const lists::RuleOptions& default_rule);

// A unix deadline as the datapath's clock (CLOCK_MONOTONIC, bpf_ktime_get_ns) holds it,
// in whole seconds so that the same deadline converts to the same value at every apply
// (a value that moved by microseconds would rewrite every entry). Deadlines already
// past come out as now: the datapath treats them as expired.
uint64_t MonotonicDeadlineNs(int64_t deadline_unix_s);

// Metric label values, bounded whatever the Local API sends: known scopes in lower case
// ("ip", "range", "country", "as", "username", "session"), else "other"; types that are
// "ban", "captcha", "throttle" or configured, else "other".
std::string ScopeLabel(const std::string& scope);
std::string TypeLabel(const std::string& type, const std::map<std::string, lists::RuleOptions>& types);

}  // namespace xdpguard::feeds

#endif  // XDPGUARD_FEEDS_CROWDSEC_FEED_H_
