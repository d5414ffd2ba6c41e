// SPDX-License-Identifier: GPL-2.0
#include "daemon/saved_entries.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/sealed_file.h"
#include "datapath/keys.h"
#include "lists/manual_rules.h"

namespace xdpguard::daemon {
namespace {

constexpr char kKind[] = "operator-entries";
constexpr size_t kMaxFile = 512u << 20;

std::string PathIn(const std::string& state_dir) { return state_dir + "/operator-entries"; }

bool OperatorOwned(uint16_t origin) {
  return origin == lists::kOriginManual || origin == lists::kOriginFail2ban;
}

// A fixed-size record, then the comment's bytes: family, prefixlen, list, pad, address,
// the rule or allowlist value, the wall-clock expiry, the comment's length.
struct Record {
  uint8_t family;  // 4 or 6
  uint8_t prefixlen;
  uint8_t allow;
  uint8_t pad;
  uint8_t addr[16];
  xg_rule rule;
  xg_allow allow_value;
  int64_t expires_unix_s;
  uint32_t comment_len;
  uint32_t pad2;
};

template <typename Value>
absl::Status Collect(datapath::MapBackend* map, bool v4, bool allow, std::vector<SavedEntry>* out) {
  const uint64_t now_mono = lists::MonotonicNowNs();
  const int64_t now_real = static_cast<int64_t>(lists::RealtimeNowS());
  return map->ForEach([&](const void* key, const void* value) {
    Value v;
    std::memcpy(&v, value, sizeof(v));
    if (!OperatorOwned(v.origin)) return;
    SavedEntry e;
    if (v4) {
      xg_lpm_v4_key k;
      std::memcpy(&k, key, sizeof(k));
      e.cidr = datapath::FromV4Key(k);
    } else {
      xg_lpm_v6_key k;
      std::memcpy(&k, key, sizeof(k));
      e.cidr = datapath::FromV6Key(k);
    }
    e.allow = allow;
    if constexpr (std::is_same_v<Value, xg_rule>) {
      e.rule = v;
      if (v.expires_ns) {
        if (v.expires_ns <= now_mono) return;  // expired: nothing to keep
        e.expires_unix_s = now_real + static_cast<int64_t>((v.expires_ns - now_mono + 999999999) / 1000000000);
      }
      e.rule.expires_ns = 0;
    } else {
      e.allow_value = v;
    }
    out->push_back(std::move(e));
  });
}

std::string Serialize(const std::vector<SavedEntry>& entries) {
  std::string out;
  for (const SavedEntry& e : entries) {
    Record r{};
    r.family = e.cidr.family == net::Family::kIPv4 ? 4 : 6;
    r.prefixlen = e.cidr.prefixlen;
    r.allow = e.allow;
    std::memcpy(r.addr, e.cidr.addr.data(), 16);
    r.rule = e.rule;
    r.allow_value = e.allow_value;
    r.expires_unix_s = e.expires_unix_s;
    r.comment_len = static_cast<uint32_t>(e.comment.size());
    out.append(reinterpret_cast<const char*>(&r), sizeof(r));
    out.append(e.comment);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<SavedEntry>> CollectOperatorEntries(const datapath::PinnedMaps& maps) {
  std::vector<SavedEntry> out;
  struct ListMap {
    const char* name;
    bool v4, allow;
  };
  for (const ListMap& m : {ListMap{XG_MAP_BLOCK_V4, true, false}, ListMap{XG_MAP_BLOCK_V6, false, false},
                           ListMap{XG_MAP_ALLOW_V4, true, true}, ListMap{XG_MAP_ALLOW_V6, false, true}}) {
    absl::Status s = m.allow ? Collect<xg_allow>(maps.entries(m.name), m.v4, true, &out)
                             : Collect<xg_rule>(maps.entries(m.name), m.v4, false, &out);
    if (!s.ok()) return s;
  }
  if (!out.empty()) {
    absl::StatusOr<std::map<net::Cidr, std::string>> comments =
        lists::CommentStore(maps.map(XG_MAP_COMMENTS)).All();
    if (comments.ok()) {
      for (SavedEntry& e : out) {
        auto it = e.allow ? comments->end() : comments->find(e.cidr);
        if (it != comments->end()) e.comment = it->second;
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const SavedEntry& a, const SavedEntry& b) {
    return std::tie(a.allow, a.cidr) < std::tie(b.allow, b.cidr);
  });
  return out;
}

absl::Status SaveOperatorEntries(const std::string& state_dir, const std::vector<SavedEntry>& entries) {
  const std::string payload = Serialize(entries);
  absl::StatusOr<SealedFile> old = ReadSealedFile(PathIn(state_dir), kKind, kMaxFile);
  if (old.ok() && old->payload == payload) return absl::OkStatus();
  return WriteSealedFile(PathIn(state_dir), kKind, {{"entries", entries.size()}}, payload);
}

absl::StatusOr<std::vector<SavedEntry>> LoadOperatorEntries(const std::string& state_dir) {
  absl::StatusOr<SealedFile> f = ReadSealedFile(PathIn(state_dir), kKind, kMaxFile);
  if (!f.ok()) return f.status();
  std::vector<SavedEntry> out;
  const std::string& p = f->payload;
  size_t at = 0;
  while (at < p.size()) {
    Record r;
    if (p.size() - at < sizeof(r)) return absl::DataLossError("operator-entries: a record is cut short");
    std::memcpy(&r, p.data() + at, sizeof(r));
    at += sizeof(r);
    if ((r.family != 4 && r.family != 6) || r.prefixlen > (r.family == 4 ? 32 : 128) ||
        r.comment_len > XG_COMMENT_MAX || p.size() - at < r.comment_len)
      return absl::DataLossError("operator-entries: a record is corrupt");
    SavedEntry e;
    e.cidr.family = r.family == 4 ? net::Family::kIPv4 : net::Family::kIPv6;
    e.cidr.prefixlen = r.prefixlen;
    std::memcpy(e.cidr.addr.data(), r.addr, 16);
    e.allow = r.allow != 0;
    e.rule = r.rule;
    e.allow_value = r.allow_value;
    e.expires_unix_s = r.expires_unix_s;
    e.comment.assign(p.data() + at, r.comment_len);
    at += r.comment_len;
    out.push_back(std::move(e));
  }
  return out;
}

std::string PreserveOperatorEntries(const std::string& state_dir) {
  const std::string aside = PathIn(state_dir) + ".unrestored";
  if (std::rename(PathIn(state_dir).c_str(), aside.c_str()) != 0) return PathIn(state_dir);
  return aside;
}

absl::StatusOr<RestoreResult> RestoreOperatorEntries(const datapath::PinnedMaps& maps,
                                                     const std::vector<SavedEntry>& entries) {
  RestoreResult result;
  const uint64_t now_mono = lists::MonotonicNowNs();
  const int64_t now_real = static_cast<int64_t>(lists::RealtimeNowS());
  datapath::PrefixTable<xg_rule> block = maps.Blocklist();
  datapath::PrefixTable<xg_allow> allow = maps.Allowlist();
  std::vector<datapath::PrefixTable<xg_rule>::Entry> rules;
  std::vector<datapath::PrefixTable<xg_allow>::Entry> allows;
  std::vector<const SavedEntry*> commented;
  for (const SavedEntry& e : entries) {
    if (e.expires_unix_s && e.expires_unix_s <= now_real) {
      result.expired++;
      continue;
    }
    // A prefix that already holds an entry (the config's, a feed's) keeps it.
    if (e.allow) {
      absl::StatusOr<std::optional<xg_allow>> cur = allow.Get(e.cidr);
      if (!cur.ok()) return cur.status();
      if (*cur) {
        result.taken++;
        continue;
      }
      allows.push_back({e.cidr, e.allow_value});
    } else {
      absl::StatusOr<std::optional<xg_rule>> cur = block.Get(e.cidr);
      if (!cur.ok()) return cur.status();
      if (*cur) {
        result.taken++;
        continue;
      }
      xg_rule r = e.rule;
      r.expires_ns = e.expires_unix_s
                         ? now_mono + static_cast<uint64_t>(e.expires_unix_s - now_real) * 1000000000ull
                         : 0;
      rules.push_back({e.cidr, r});
      if (!e.comment.empty()) commented.push_back(&e);
    }
  }
  if (!rules.empty())
    if (absl::Status s = block.Upsert(rules); !s.ok()) return s;
  if (!allows.empty())
    if (absl::Status s = allow.Upsert(allows); !s.ok()) return s;
  lists::CommentStore comments(maps.map(XG_MAP_COMMENTS));
  for (const SavedEntry* e : commented) (void)comments.Set(e->cidr, e->comment);
  result.restored = rules.size() + allows.size();
  return result;
}

}  // namespace xdpguard::daemon
