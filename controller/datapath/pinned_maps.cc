// SPDX-License-Identifier: GPL-2.0
#include "datapath/pinned_maps.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "xdpguard_guard.h"

namespace xdpguard::datapath {
namespace {

struct MapSpec {
  const char* name;
  uint32_t type;
  uint32_t key_size;
  uint32_t value_size;
};

// The contract as the controller expects to find it on bpffs.
constexpr MapSpec kSpecs[] = {
    {XG_MAP_BLOCK_V4, BPF_MAP_TYPE_LPM_TRIE, sizeof(xg_lpm_v4_key), sizeof(xg_rule)},
    {XG_MAP_BLOCK_V6, BPF_MAP_TYPE_LPM_TRIE, sizeof(xg_lpm_v6_key), sizeof(xg_rule)},
    {XG_MAP_ALLOW_V4, BPF_MAP_TYPE_LPM_TRIE, sizeof(xg_lpm_v4_key), sizeof(xg_allow)},
    {XG_MAP_ALLOW_V6, BPF_MAP_TYPE_LPM_TRIE, sizeof(xg_lpm_v6_key), sizeof(xg_allow)},
    {XG_MAP_STATS, BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32), sizeof(xg_counter)},
    {XG_MAP_REASONS, BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32), sizeof(__u64)},
    {XG_MAP_RULE_STATS, BPF_MAP_TYPE_LRU_PERCPU_HASH, sizeof(xg_rule_stats_key),
     sizeof(xg_counter)},
    {XG_MAP_ORIGIN_STATS, BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32), sizeof(xg_counter)},
    {XG_MAP_RULE_CACHE, BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32), sizeof(xg_rule_cache)},
    {XG_MAP_LIST_GEN, BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(__u64)},
    {XG_MAP_VERDICTS, BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32), sizeof(xg_verdict_slot)},
    {XG_MAP_IFCONFIG, BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(xg_if_config)},
    {XG_MAP_IF_SLOTS, BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(__u32)},
    {XG_MAP_INFO, BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(xg_info)},
    {XG_MAP_COMMENTS, BPF_MAP_TYPE_HASH, sizeof(xg_rule_stats_key), sizeof(xg_comment)},
    {XG_MAP_BUCKETS, BPF_MAP_TYPE_LRU_HASH, sizeof(xg_bucket_key), sizeof(xg_bucket)},
    {XG_MAP_FLOWS, BPF_MAP_TYPE_LRU_HASH, sizeof(xg_flow_key), sizeof(xg_flow)},
    {XG_MAP_GUARDS, BPF_MAP_TYPE_HASH, sizeof(xg_guard_key), sizeof(xg_guard)},
    {XG_MAP_GUARD_IF, BPF_MAP_TYPE_HASH, sizeof(__u32), sizeof(xg_guard_if)},
    {XG_MAP_GUARD_EVENTS, BPF_MAP_TYPE_RINGBUF, 0, 0},
    {XG_MAP_GUARD_DEDUP, BPF_MAP_TYPE_LRU_HASH, sizeof(xg_guard_dedup_key),
     sizeof(xg_guard_dedup)},
    {XG_MAP_GUARD_STATS, BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32), sizeof(__u64)},
};

}  // namespace

absl::Status CheckPinnedAbi(const std::string& pin_dir) {
  std::string path = absl::StrCat(pin_dir, "/", XG_MAP_INFO);
  int fd = bpf_obj_get(path.c_str());
  if (fd < 0) return absl::OkStatus();  // nothing pinned yet
  UniqueFd owned(fd);
  uint32_t key = 0;
  xg_info info{};
  if (bpf_map_lookup_elem(fd, &key, &info) != 0) return ErrnoToStatus(errno, "read " + path);
  // 0 = created but never stamped (an interrupted first attach of this build): adopt.
  if (info.abi_version != 0 && info.abi_version != XG_ABI_VERSION)
    return absl::FailedPreconditionError(absl::StrCat(
        "pinned state in ", pin_dir, " has ABI version ", info.abi_version,
        ", this build uses ", XG_ABI_VERSION, "; detach without --keep-maps to start over"));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<PinnedMaps>> PinnedMaps::Open(const std::string& pin_dir) {
  auto out = std::make_unique<PinnedMaps>();
  out->pin_dir_ = pin_dir;
  if (absl::Status s = CheckPinnedAbi(pin_dir); !s.ok()) return s;
  for (const MapSpec& spec : kSpecs) {
    std::string path = absl::StrCat(pin_dir, "/", spec.name);
    absl::StatusOr<std::unique_ptr<LibbpfMap>> m = LibbpfMap::OpenPinned(path);
    if (!m.ok()) {
      if (absl::IsNotFound(m.status()))
        return absl::NotFoundError(absl::StrCat(
            "no xdpguard state in ", pin_dir, " (", path,
            " missing): run 'xdpguard attach IFACE' first"));
      return m.status();
    }
    if ((*m)->type() != spec.type || (*m)->key_size() != spec.key_size ||
        (*m)->value_size() != spec.value_size)
      return absl::FailedPreconditionError(absl::StrCat(
          "pinned map ", path, " (type ", (*m)->type(), ", key ", (*m)->key_size(),
          " B, value ", (*m)->value_size(), " B) does not match this build (type ", spec.type,
          ", key ", spec.key_size, " B, value ", spec.value_size,
          " B): created by a different xdpguard version; refusing to use it"));
    out->maps_[spec.name] = std::move(*m);
  }
  return out;
}

PrefixTable<xg_rule> PinnedMaps::Blocklist() const {
  // Sizes were verified in Open, so Create cannot fail here.
  return *PrefixTable<xg_rule>::Create(map(XG_MAP_BLOCK_V4), map(XG_MAP_BLOCK_V6),
                                       map(XG_MAP_LIST_GEN));
}

PrefixTable<xg_allow> PinnedMaps::Allowlist() const {
  return *PrefixTable<xg_allow>::Create(map(XG_MAP_ALLOW_V4), map(XG_MAP_ALLOW_V6),
                                        map(XG_MAP_LIST_GEN));
}

}  // namespace xdpguard::datapath
