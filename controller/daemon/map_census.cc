// SPDX-License-Identifier: GPL-2.0
#include "daemon/map_census.h"

#include <bpf/bpf.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/unique_fd.h"
#include "daemon/saved_entries.h"
#include "datapath/rule_counter_sets.h"
#include "spdlog/spdlog.h"

namespace xdpguard::daemon {
namespace {

// Walks one list map, adding each entry to counts[origin][family].
template <typename Value>
absl::Status CountByOrigin(datapath::MapBackend* map, int family,
                           std::array<std::array<uint64_t, 2>, XG_MAX_ORIGINS>* counts,
                           uint64_t* total) {
  return map->ForEach([&](const void*, const void* value) {
    Value v;
    std::memcpy(&v, value, sizeof(v));
    if (v.origin < XG_MAX_ORIGINS) (*counts)[v.origin][family]++;
    ++*total;
  });
}

}  // namespace

absl::StatusOr<Census> TakeCensus(const datapath::PinnedMaps& maps) {
  const auto start = std::chrono::steady_clock::now();
  Census c;
  struct ListMap {
    const char* name;
    int family;
    bool block;
  };
  for (const ListMap& m : {ListMap{XG_MAP_BLOCK_V4, 0, true}, ListMap{XG_MAP_BLOCK_V6, 1, true},
                           ListMap{XG_MAP_ALLOW_V4, 0, false}, ListMap{XG_MAP_ALLOW_V6, 1, false}}) {
    datapath::MapBackend* map = maps.entries(m.name);
    MapFill fill{m.name, 0, map->max_entries()};
    absl::Status s = m.block ? CountByOrigin<xg_rule>(map, m.family, &c.block, &fill.entries)
                             : CountByOrigin<xg_allow>(map, m.family, &c.allow, &fill.entries);
    if (!s.ok()) return s;
    c.fill.push_back(fill);
  }
  // Maps that fill up with traffic (LRU: full means the oldest entries are being evicted).
  for (const char* name : {XG_MAP_FLOWS, XG_MAP_BUCKETS, XG_MAP_COMMENTS}) {
    datapath::LibbpfMap* map = maps.map(name);
    absl::StatusOr<uint32_t> n = map->Count();
    if (!n.ok()) return n.status();
    c.fill.push_back({name, *n, map->max_entries()});
  }
  // The per-rule counters: counters in use over every CPU region's counters (full: sets are
  // giving up counters to new rules).
  absl::StatusOr<datapath::RuleSetTotals> rule_sets =
      datapath::ReadRuleSets(maps.map(XG_MAP_RULE_STATS)->fd());
  if (!rule_sets.ok()) return rule_sets.status();
  c.fill.push_back({XG_MAP_RULE_STATS, rule_sets->used_ways,
                    static_cast<uint32_t>(std::min<uint64_t>(rule_sets->ways, UINT32_MAX))});
  c.taken_unix_seconds = std::chrono::duration<double>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  c.duration_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return c;
}

CensusThread::CensusThread(std::string pin_dir, std::string save_dir)
    : pin_dir_(std::move(pin_dir)), save_dir_(std::move(save_dir)), thread_([this] { Loop(); }) {}

CensusThread::~CensusThread() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void CensusThread::Poke() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    poked_ = true;
  }
  cv_.notify_all();
}

std::shared_ptr<const Census> CensusThread::Latest() const {
  std::lock_guard<std::mutex> lock(mu_);
  return latest_;
}

namespace {

// The list generation (xg_list_gen), renewed by every list write; 0 if unreadable.
uint64_t ListGeneration(const std::string& pin_dir) {
  UniqueFd fd(bpf_obj_get(absl::StrCat(pin_dir, "/", XG_MAP_LIST_GEN).c_str()));
  uint64_t gen = 0;
  uint32_t zero = 0;
  if (!fd.valid() || bpf_map_lookup_elem(fd.get(), &zero, &gen) != 0) return 0;
  return gen;
}

}  // namespace

void CensusThread::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  auto last_census = std::chrono::steady_clock::now();
  uint64_t saved_generation = 0;
  for (;;) {
    cv_.wait_for(lock, kGenerationPoll, [this] { return stop_ || poked_; });
    if (stop_) return;
    bool due = poked_ || std::chrono::steady_clock::now() - last_census >= kCensusInterval;
    poked_ = false;
    lock.unlock();
    const uint64_t generation = ListGeneration(pin_dir_);
    const bool lists_changed = generation != 0 && generation != saved_generation;
    if (!due && !lists_changed) {
      lock.lock();
      continue;
    }
    last_census = std::chrono::steady_clock::now();
    // Opened per census: a detach/re-attach between censuses replaces the maps.
    absl::StatusOr<std::unique_ptr<datapath::PinnedMaps>> maps =
        datapath::PinnedMaps::Open(pin_dir_);
    absl::StatusOr<Census> census =
        maps.ok() ? TakeCensus(**maps) : absl::StatusOr<Census>(maps.status());
    if (census.ok()) {
      spdlog::debug("map census took {:.3f} s", census->duration_seconds);
    } else {
      spdlog::warn("map census failed: {}", std::string(census.status().message()));
    }
    if (maps.ok() && lists_changed && !save_dir_.empty()) {
      absl::StatusOr<std::vector<SavedEntry>> entries = CollectOperatorEntries(**maps);
      absl::Status s = entries.ok() ? SaveOperatorEntries(save_dir_, *entries) : entries.status();
      if (s.ok()) {
        saved_generation = generation;
      } else {
        spdlog::warn("saving the manual and fail2ban entries failed (retried): {}", std::string(s.message()));
      }
    }
    lock.lock();
    if (census.ok()) latest_ = std::make_shared<const Census>(std::move(*census));
  }
}

}  // namespace xdpguard::daemon
