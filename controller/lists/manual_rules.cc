// SPDX-License-Identifier: GPL-2.0
#include "lists/manual_rules.h"

#include <arpa/inet.h>
#include <time.h>

#include <algorithm>

#include <cstring>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "datapath/keys.h"

namespace xdpguard::lists {

uint64_t MonotonicNowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

uint64_t RealtimeNowS() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec);
}

std::string OriginName(uint16_t origin) {
  if (origin == kOriginManual) return "manual";
  if (origin == kOriginConfig) return "config";
  if (origin == kOriginFail2ban) return "fail2ban";
  return absl::StrCat("feed:", origin);
}

xg_rule MakeManualRule(const net::Cidr& cidr, const RuleOptions& options, uint64_t now_mono_ns,
                       uint64_t now_real_s) {
  xg_rule r{};
  r.action = options.action;
  r.flags = options.monitor ? XG_RULE_MONITOR : 0;
  r.prefixlen = cidr.prefixlen;
  r.origin = kOriginManual;
  r.expires_ns = options.ttl_seconds ? now_mono_ns + options.ttl_seconds * 1000000000ull : 0;
  r.created_s = now_real_s;
  if (options.action == XG_ACTION_RATELIMIT) {
    r.rl_pps = options.pps;
    r.rl_burst = options.burst ? options.burst : options.pps;
    r.rl_bps = options.bps;
    r.rl_per = options.per;
  }
  if (options.new_only) r.flags |= XG_RULE_NEW_ONLY;
  r.nports = static_cast<uint8_t>(std::min<size_t>(options.ports.size(), XG_MAX_PORTS));
  for (size_t i = 0; i < r.nports; i++) r.ports[i] = htons(options.ports[i]);
  return r;
}

std::string ActionName(uint8_t action) {
  switch (action) {
    case XG_ACTION_DROP:
      return "drop";
    case XG_ACTION_PASS:
      return "pass";
    case XG_ACTION_RATELIMIT:
      return "ratelimit";
  }
  return "unknown";
}

std::string DescribeRule(const xg_rule& rule) {
  std::string out = ActionName(rule.action);
  if (rule.action == XG_ACTION_RATELIMIT) {
    absl::StrAppend(&out, " ", rule.rl_pps, "/s burst ", rule.rl_burst);
    if (rule.rl_bps) absl::StrAppend(&out, " ", rule.rl_bps, " B/s");
    absl::StrAppend(&out, rule.rl_per == XG_RL_PER_RULE ? " per rule" : " per source");
  }
  if (rule.nports) {
    absl::StrAppend(&out, "; ports ");
    for (int i = 0; i < rule.nports && i < XG_MAX_PORTS; i++)
      absl::StrAppend(&out, i ? "," : "", ntohs(rule.ports[i]));
  }
  if (rule.flags & XG_RULE_NEW_ONLY) absl::StrAppend(&out, "; new-only");
  return out;
}

bool IsExpired(const xg_rule& rule, uint64_t now_mono_ns) {
  return rule.expires_ns != 0 && rule.expires_ns <= now_mono_ns;
}

absl::Status CommentStore::Set(const net::Cidr& cidr, const std::string& comment) {
  if (comment.empty()) return Erase(cidr);
  xg_rule_stats_key key = datapath::RuleStatsKey(cidr);
  xg_comment value{};
  std::memcpy(value.text, comment.data(), std::min(comment.size(), sizeof(value.text) - 1));
  uint32_t n = 0;
  return map_->UpdateBatch(&key, &value, 1, &n);
}

absl::Status CommentStore::Erase(const net::Cidr& cidr) {
  xg_rule_stats_key key = datapath::RuleStatsKey(cidr);
  xg_comment value{};
  absl::StatusOr<bool> found = map_->Lookup(&key, &value);
  if (!found.ok()) return found.status();
  if (!*found) return absl::OkStatus();
  uint32_t n = 0;
  return map_->DeleteBatch(&key, 1, &n);
}

namespace {
std::string CommentText(const xg_comment& value) {
  return std::string(reinterpret_cast<const char*>(value.text),
                     strnlen(reinterpret_cast<const char*>(value.text), sizeof(value.text)));
}
}  // namespace

std::string CommentStore::Get(const net::Cidr& cidr) const {
  xg_rule_stats_key key = datapath::RuleStatsKey(cidr);
  xg_comment value{};
  absl::StatusOr<bool> found = map_->Lookup(&key, &value);
  if (!found.ok() || !*found) return "";
  return CommentText(value);
}

absl::StatusOr<std::map<net::Cidr, std::string>> CommentStore::All() const {
  std::map<net::Cidr, std::string> out;
  absl::Status s = map_->ForEach([&](const void* k, const void* v) {
    out[datapath::FromRuleStatsKey(*static_cast<const xg_rule_stats_key*>(k))] =
        CommentText(*static_cast<const xg_comment*>(v));
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace xdpguard::lists
