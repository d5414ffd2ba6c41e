// SPDX-License-Identifier: GPL-2.0
#include "lists/manual_rules.h"

#include <time.h>

#include <cstring>
#include <set>

#include "absl/strings/str_cat.h"
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

xg_rule MakeManualRule(const net::Cidr& cidr, const RuleOptions& options, uint64_t now_mono_ns,
                       uint64_t now_real_s) {
  xg_rule r{};
  r.action = options.action;
  r.flags = options.monitor ? XG_RULE_MONITOR : 0;
  r.prefixlen = cidr.prefixlen;
  r.origin = kOriginManual;
  r.expires_ns = options.ttl_seconds ? now_mono_ns + options.ttl_seconds * 1000000000ull : 0;
  r.created_s = now_real_s;
  return r;
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
