// SPDX-License-Identifier: GPL-2.0
// The one rule-options model: every front end that makes a blocklist rule (the CLI's
// flags, the config file's blocklist and feeds) hands the values it read, as text, to one
// parser and validator, so the limits and the words of every message are the same
// everywhere. Front ends only say where a field came from: "--pps" on the command line,
// "blocklist[2].ratelimit.pps" in the config.
#ifndef XDPGUARD_LISTS_RULE_OPTIONS_H_
#define XDPGUARD_LISTS_RULE_OPTIONS_H_

#include <optional>
#include <string>
#include <vector>

#include "lists/manual_rules.h"

namespace xdpguard::lists {

// The values as read, before validation. Absent = not given (the default applies).
struct RuleInput {
  std::optional<std::string> action;  // drop | ratelimit | pass | monitor (= drop, counted only)
  std::optional<std::string> pps, burst, bps, per;  // the rate limit
  std::optional<std::string> ports;   // "80,443"
  bool new_only = false;
  bool monitor = false;
  std::optional<std::string> ttl;     // "90s", "2h", "7d"
  std::optional<std::string> comment;
};

// Field names in problems: action, ratelimit (the rate-limit group as a whole), pps,
// burst, bps, per, ports, ttl, comment.
struct RuleProblem {
  std::string field;
  std::string message;  // without the field's name: the front end prefixes its own
};

struct ParsedRule {
  RuleOptions options;
  std::string comment;
};

// Minimum byte rate: below one minimum-size frame per second a byte limit blocks all.
inline constexpr uint64_t kMinBps = 64;

// allow_pass: whether action "pass" is accepted (operator entries; a feed cannot list
// pass rules). Returns every problem found; none means *out holds the rule.
std::vector<RuleProblem> ParseRule(const RuleInput& in, bool allow_pass, ParsedRule* out);

// "80,443": 1..XG_MAX_PORTS distinct ports, each 1..65535 in plain decimal (no sign, no
// leading zero: "080" is refused, not read as 80).
absl::StatusOr<std::vector<uint16_t>> ParsePortList(absl::string_view text);

// Checks an operator comment: at most XG_COMMENT_MAX-1 bytes, printable, no control chars.
absl::Status ValidateComment(const std::string& comment);

}  // namespace xdpguard::lists

#endif  // XDPGUARD_LISTS_RULE_OPTIONS_H_
