// SPDX-License-Identifier: GPL-2.0
#include "lists/rule_options.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/duration.h"

namespace xdpguard::lists {
namespace {

// Plain decimal: digits only, no sign, no leading zero, at most max_digits.
bool PlainDecimal(absl::string_view s, size_t max_digits) {
  return !s.empty() && s.size() <= max_digits && (s.size() == 1 || s[0] != '0') &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A whole number in [min, max]; otherwise a problem for field.
std::optional<uint64_t> Count(const std::string& field, const std::string& text, uint64_t min,
                              uint64_t max, std::vector<RuleProblem>* problems) {
  uint64_t v = 0;
  if (PlainDecimal(text, 20) && absl::SimpleAtoi(text, &v) && v >= min && v <= max) return v;
  problems->push_back({field, absl::StrCat("expected a whole number from ", min, " to ", max,
                                           ", found '", text, "'")});
  return std::nullopt;
}

}  // namespace

absl::StatusOr<std::vector<uint16_t>> ParsePortList(absl::string_view text) {
  std::vector<uint16_t> ports;
  if (text.empty()) return absl::InvalidArgumentError(absl::StrCat("expected 1 to ", XG_MAX_PORTS, " ports, found none"));
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    int port = 0;
    if (!PlainDecimal(part, 5) || !absl::SimpleAtoi(part, &port) || port < 1 || port > 65535)
      return absl::InvalidArgumentError(
          absl::StrCat("'", part, "' is not a port number from 1 to 65535"));
    if (std::find(ports.begin(), ports.end(), port) != ports.end())
      return absl::InvalidArgumentError(absl::StrCat(port, " is listed twice"));
    ports.push_back(static_cast<uint16_t>(port));
  }
  if (ports.size() > XG_MAX_PORTS)
    return absl::InvalidArgumentError(
        absl::StrCat("at most ", XG_MAX_PORTS, " ports per rule, found ", ports.size()));
  return ports;
}

absl::Status ValidateComment(const std::string& comment) {
  if (comment.size() >= XG_COMMENT_MAX)
    return absl::InvalidArgumentError(absl::StrCat("longer than ", XG_COMMENT_MAX - 1, " bytes"));
  for (unsigned char c : comment) {
    if (c < 0x20 || c == 0x7f)
      return absl::InvalidArgumentError(
          absl::StrCat("contains a control character (\\x", absl::Hex(c, absl::kZeroPad2), ")"));
  }
  return absl::OkStatus();
}

std::vector<RuleProblem> ParseRule(const RuleInput& in, bool allow_pass, ParsedRule* out) {
  std::vector<RuleProblem> problems;
  RuleOptions& o = out->options;
  o = RuleOptions{};
  const std::string action = in.action.value_or("drop");
  if (action == "drop") {
    o.action = XG_ACTION_DROP;
  } else if (action == "monitor") {
    o.action = XG_ACTION_DROP;
    o.monitor = true;
  } else if (action == "ratelimit") {
    o.action = XG_ACTION_RATELIMIT;
  } else if (action == "pass" && allow_pass) {
    o.action = XG_ACTION_PASS;
  } else {
    problems.push_back({"action", absl::StrCat("expected \"drop\", \"ratelimit\"", allow_pass ? ", \"pass\"" : "",
                                               " or \"monitor\", found \"", action, "\"")});
  }
  o.monitor = o.monitor || in.monitor;

  const bool limited = o.action == XG_ACTION_RATELIMIT;
  const bool any_limit = in.pps || in.burst || in.bps || in.per;
  if (any_limit && !limited && problems.empty()) {
    problems.push_back({"ratelimit", "only valid with action \"ratelimit\""});
  } else if (limited && !in.pps) {
    problems.push_back({"ratelimit", "missing: action \"ratelimit\" needs pps (packets per second)"});
  }
  if (limited) {
    if (in.pps) o.pps = static_cast<uint32_t>(Count("pps", *in.pps, 1, kMaxPps, &problems).value_or(0));
    if (in.burst) o.burst = static_cast<uint32_t>(Count("burst", *in.burst, 1, kMaxBurst, &problems).value_or(0));
    if (in.bps) o.bps = Count("bps", *in.bps, kMinBps, kMaxBps, &problems).value_or(0);
    if (in.per) {
      if (*in.per == "source") {
        o.per = XG_RL_PER_SOURCE;
      } else if (*in.per == "rule") {
        o.per = XG_RL_PER_RULE;
      } else {
        problems.push_back({"per", absl::StrCat("expected \"source\" or \"rule\", found \"", *in.per, "\"")});
      }
    }
  }
  if (in.ports) {
    absl::StatusOr<std::vector<uint16_t>> ports = ParsePortList(*in.ports);
    if (ports.ok()) {
      o.ports = *ports;
    } else {
      problems.push_back({"ports", std::string(ports.status().message())});
    }
  }
  o.new_only = in.new_only;
  if (in.ttl) {
    absl::StatusOr<uint64_t> secs = ParseDurationSeconds(*in.ttl);
    if (secs.ok()) {
      o.ttl_seconds = *secs;
    } else {
      problems.push_back({"ttl", std::string(secs.status().message())});
    }
  }
  out->comment = in.comment.value_or("");
  if (absl::Status s = ValidateComment(out->comment); !s.ok())
    problems.push_back({"comment", std::string(s.message())});
  return problems;
}

}  // namespace xdpguard::lists
