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

absl::StatusOr<std::vector<uint16_t>> ParsePortList(absl::string_view text) {
  std::vector<uint16_t> ports;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    int port = 0;
    bool digits = !part.empty() && part.size() <= 5 &&
                  std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || !absl::SimpleAtoi(part, &port) || port < 1 || port > 65535)
      return absl::InvalidArgumentError(
          absl::StrCat("--ports: '", part, "' is not a port number from 1 to 65535"));
    if (std::find(ports.begin(), ports.end(), port) != ports.end())
      return absl::InvalidArgumentError(absl::StrCat("--ports: ", port, " is listed twice"));
    ports.push_back(static_cast<uint16_t>(port));
  }
  if (ports.size() > XG_MAX_PORTS)
    return absl::InvalidArgumentError(
        absl::StrCat("--ports: at most ", XG_MAX_PORTS, " ports per rule, got ", ports.size()));
  return ports;
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

std::vector<net::Cidr> ManualEntriesNotIn(
    const std::vector<datapath::PrefixTable<xg_rule>::Entry>& current,
    const std::vector<net::Cidr>& desired) {
  std::set<net::Cidr> keep(desired.begin(), desired.end());
  std::vector<net::Cidr> out;
  for (const auto& e : current) {
    if (e.value.origin == kOriginManual && !keep.count(e.cidr)) out.push_back(e.cidr);
  }
  return out;
}

absl::Status ValidateComment(const std::string& comment) {
  if (comment.size() >= XG_COMMENT_MAX)
    return absl::InvalidArgumentError(
        absl::StrCat("comment longer than ", XG_COMMENT_MAX - 1, " bytes"));
  for (unsigned char c : comment) {
    if (c < 0x20 || c == 0x7f)
      return absl::InvalidArgumentError("comment contains control characters");
  }
  return absl::OkStatus();
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
