// SPDX-License-Identifier: GPL-2.0
#include "feeds/crowdsec_feed.h"

#include <time.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace xdpguard::feeds {

std::string CrowdsecStreamUrl(const std::string& base, bool startup) {
  std::string url = base;
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (!absl::EndsWith(url, kCrowdsecStreamPath)) url += kCrowdsecStreamPath;
  // The Local API sends only Ip and Range decisions unless asked for other scopes: ask for
  // the common ones so that they are counted (and skipped), not silently absent.
  return absl::StrCat(url, "?", startup ? "startup=true&" : "", "scopes=", kCrowdsecScopes);
}

std::vector<DecisionGroup> GroupDecisions(const std::vector<ActiveDecision>& active,
                                          const std::map<std::string, lists::RuleOptions>& types,
                                          const lists::RuleOptions& default_rule) {
  std::map<std::pair<std::string, int64_t>, DecisionGroup> groups;
  for (const ActiveDecision& d : active) {
    const int64_t step = kDecisionDeadlineStepS;
    const int64_t deadline = (d.expires_unix_s + step - 1) / step * step;
    auto [it, fresh] = groups.try_emplace({d.type, deadline});
    DecisionGroup& g = it->second;
    if (fresh) {
      auto rule = types.find(d.type);
      g.type = d.type;
      g.rule = rule == types.end() ? default_rule : rule->second;
      g.deadline_unix_s = deadline;
    }
    // Active() is sorted by prefix and has one decision per (prefix, type): each group's
    // prefixes arrive sorted and unique.
    g.cidrs.push_back(d.cidr);
  }
  std::vector<DecisionGroup> out;
  out.reserve(groups.size());
  for (auto& [key, g] : groups) out.push_back(std::move(g));
  return out;
}

uint64_t MonotonicDeadlineNs(int64_t deadline_unix_s) {
  timespec mono{}, real{};
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_REALTIME, &real);
  const int64_t mono_ns = int64_t{mono.tv_sec} * 1000000000 + mono.tv_nsec;
  const int64_t real_ns = int64_t{real.tv_sec} * 1000000000 + real.tv_nsec;
  if (deadline_unix_s * 1000000000 <= real_ns) return static_cast<uint64_t>(mono_ns);
  // The offset between the clocks is constant to within microseconds between two reads;
  // rounding the result up to a whole second makes it the same at every apply.
  const int64_t at = deadline_unix_s * 1000000000 + (mono_ns - real_ns);
  const int64_t second = 1000000000;
  return static_cast<uint64_t>((at + second - 1) / second * second);
}

std::string ScopeLabel(const std::string& scope) {
  const std::string lower = absl::AsciiStrToLower(scope);
  for (const char* known : {"ip", "range", "country", "as", "username", "session"}) {
    if (lower == known) return lower;
  }
  return "other";
}

std::string TypeLabel(const std::string& type, const std::map<std::string, lists::RuleOptions>& types) {
  if (type == "ban" || type == "captcha" || type == "throttle" || types.count(type)) return type;
  return "other";
}

}  // namespace xdpguard::feeds
