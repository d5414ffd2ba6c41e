// SPDX-License-Identifier: GPL-2.0
#include "daemon/static_lists.h"

#include <cstring>
#include <set>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "common/sealed_file.h"
#include "lists/manual_rules.h"
#include "nlohmann/json.hpp"
#include "spdlog/spdlog.h"

namespace xdpguard::daemon {
namespace {

using net::Cidr;

std::string StatePath(const config::Config& cfg) { return cfg.state_dir + "/static.json"; }

// The config entries written last time, per list; nullopt when unknown.
struct Previous {
  std::vector<Cidr> block, allow;
};

std::optional<Previous> LoadPrevious(const config::Config& cfg, const std::string& identity) {
  absl::StatusOr<std::string> text = ReadWholeFile(StatePath(cfg), 64u << 20);
  if (!text.ok()) return std::nullopt;
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || j.value("maps_identity", "") != identity) return std::nullopt;
  Previous p;
  for (const char* list : {"block", "allow"}) {
    if (!j.contains(list) || !j[list].is_array()) return std::nullopt;
    for (const auto& s : j[list]) {
      absl::StatusOr<net::ParsedCidr> c = net::ParseCidr(s.is_string() ? s.get<std::string>() : "");
      if (!c.ok()) return std::nullopt;
      (std::string(list) == "block" ? p.block : p.allow).push_back(c->cidr);
    }
  }
  return p;
}

template <typename V>
absl::StatusOr<std::vector<Cidr>> ConfigEntriesInMap(const datapath::PrefixTable<V>& table) {
  absl::StatusOr<std::vector<typename datapath::PrefixTable<V>::Entry>> all = table.List();
  if (!all.ok()) return all.status();
  std::vector<Cidr> out;
  for (const auto& e : *all) {
    if (e.value.origin == lists::kOriginConfig) out.push_back(e.cidr);
  }
  return out;
}

std::vector<Cidr> NotIn(const std::vector<Cidr>& from, const std::vector<Cidr>& keep) {
  std::set<Cidr> k(keep.begin(), keep.end());
  std::vector<Cidr> out;
  for (const Cidr& c : from) {
    if (!k.count(c)) out.push_back(c);
  }
  return out;
}

// Drops from entries those the map already holds exactly as wanted (as the config's own,
// created_s aside), so a reload rewrites only what changed. Returns how many were dropped.
template <typename V>
absl::StatusOr<size_t> DropUnchanged(const datapath::PrefixTable<V>& table,
                                     std::vector<typename datapath::PrefixTable<V>::Entry>* entries) {
  std::vector<typename datapath::PrefixTable<V>::Entry> changed;
  for (auto& e : *entries) {
    absl::StatusOr<std::optional<V>> cur = table.Get(e.cidr);
    if (!cur.ok()) return cur.status();
    V wanted = e.value;
    wanted.prefixlen = e.cidr.prefixlen;  // PrefixTable stamps it on write
    if constexpr (std::is_same_v<V, xg_rule>) {
      if (*cur) wanted.created_s = (*cur)->created_s;
    }
    if (*cur && (*cur)->origin == lists::kOriginConfig && std::memcmp(&**cur, &wanted, sizeof(V)) == 0)
      continue;
    changed.push_back(e);
  }
  const size_t dropped = entries->size() - changed.size();
  *entries = std::move(changed);
  return dropped;
}

std::string Identity(const datapath::PinnedMaps& maps) {
  return absl::StrCat(maps.Blocklist().Identity(), "/", maps.Allowlist().Identity());
}

}  // namespace

absl::StatusOr<StaticSyncResult> SyncStaticLists(const datapath::PinnedMaps& maps,
                                                 const config::Config& cfg, bool delete_first) {
  datapath::PrefixTable<xg_rule> block = maps.Blocklist();
  datapath::PrefixTable<xg_allow> allow = maps.Allowlist();
  const std::string identity = Identity(maps);
  std::optional<Previous> prev = LoadPrevious(cfg, identity);
  if (!prev) {
    Previous walked;
    absl::StatusOr<std::vector<Cidr>> b = ConfigEntriesInMap(block);
    if (!b.ok()) return b.status();
    absl::StatusOr<std::vector<Cidr>> a = ConfigEntriesInMap(allow);
    if (!a.ok()) return a.status();
    walked.block = *b;
    walked.allow = *a;
    prev = walked;
  }

  StaticSyncResult result;
  if (delete_first) {
    (void)block.DeleteWhere(prev->block, [](const xg_rule& r) { return r.origin == lists::kOriginConfig; });
    (void)allow.DeleteWhere(prev->allow, [](const xg_allow& a) { return a.origin == lists::kOriginConfig; });
  }
  auto operator_manual_rule = [](const xg_rule& r) { return r.origin == lists::kOriginManual; };
  auto operator_manual_allow = [](const xg_allow& a) { return a.origin == lists::kOriginManual; };

  // Writes first.
  std::vector<datapath::PrefixTable<xg_allow>::Entry> allow_entries;
  std::vector<Cidr> allow_cidrs;
  for (const Cidr& c : cfg.allowlist) {
    xg_allow v{};
    v.origin = lists::kOriginConfig;
    allow_entries.push_back({c, v});
    allow_cidrs.push_back(c);
  }
  absl::StatusOr<size_t> same_allow = DropUnchanged(allow, &allow_entries);
  if (!same_allow.ok()) return same_allow.status();
  if (absl::Status s = allow.UpsertUnless(allow_entries, operator_manual_allow, &result.left_to_manual); !s.ok())
    return s;
  result.allow_written = allow_entries.size();
  result.unchanged = *same_allow;

  std::vector<datapath::PrefixTable<xg_rule>::Entry> block_entries;
  std::vector<Cidr> block_cidrs;
  const uint64_t now_real = lists::RealtimeNowS();
  for (const config::StaticBlockEntry& e : cfg.blocklist) {
    xg_rule r = lists::MakeManualRule(e.cidr, e.rule, 0, now_real);
    r.origin = lists::kOriginConfig;
    block_entries.push_back({e.cidr, r});
    block_cidrs.push_back(e.cidr);
  }
  absl::StatusOr<size_t> same_block = DropUnchanged(block, &block_entries);
  if (!same_block.ok()) return same_block.status();
  if (absl::Status s = block.UpsertUnless(block_entries, operator_manual_rule, &result.left_to_manual); !s.ok())
    return s;
  result.block_written = block_entries.size();
  result.unchanged += *same_block;
  lists::CommentStore comments(maps.map(XG_MAP_COMMENTS));
  for (const config::StaticBlockEntry& e : cfg.blocklist) {
    absl::Status s = e.comment.empty() ? comments.Erase(e.cidr) : comments.Set(e.cidr, e.comment);
    if (!s.ok()) spdlog::warn("comment for {}: {}", e.cidr.ToString(), std::string(s.message()));
  }

  // Then what left the config (only entries that are still the config's).
  std::vector<Cidr> gone_block = NotIn(prev->block, block_cidrs);
  absl::StatusOr<size_t> rb = block.DeleteWhere(gone_block, [](const xg_rule& r) { return r.origin == lists::kOriginConfig; });
  if (!rb.ok()) return rb.status();
  for (const Cidr& c : gone_block) (void)comments.Erase(c);
  result.block_removed = *rb;
  absl::StatusOr<size_t> ra = allow.DeleteWhere(NotIn(prev->allow, allow_cidrs),
                                                [](const xg_allow& a) { return a.origin == lists::kOriginConfig; });
  if (!ra.ok()) return ra.status();
  result.allow_removed = *ra;

  nlohmann::json state = {{"maps_identity", identity}, {"block", nlohmann::json::array()}, {"allow", nlohmann::json::array()}};
  for (const Cidr& c : block_cidrs) state["block"].push_back(c.ToString());
  for (const Cidr& c : allow_cidrs) state["allow"].push_back(c.ToString());
  if (absl::Status s = WriteFileAtomically(StatePath(cfg), state.dump() + "\n"); !s.ok())
    spdlog::warn("could not record the config's static entries: {}", std::string(s.message()));
  return result;
}

}  // namespace xdpguard::daemon
