// SPDX-License-Identifier: GPL-2.0
#include "datapath/datapath_object.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/unique_fd.h"
#include "datapath/bucket_map.h"
#include "datapath/interface_config.h"
#include "datapath/list_tables.h"
#include "datapath/pin_dir.h"
#include "datapath/pinned_maps.h"
#include "datapath/possible_cpus.h"
#include "datapath/rule_counter_sets.h"
#include "xdpguard_bpf.skel.h"
#include "xdpguard_maps.h"

namespace xdpguard::datapath {
namespace {

// The size of a map, in its own units, for the sizes asked for (0 = no request): list
// tables are sized in buckets, their rules from the entries, everything else in entries.
uint32_t RequestedSize(const MapSizes& s, absl::string_view name) {
  auto buckets = [](net::Family f, uint32_t entries) { return entries ? BucketsForEntries(f, entries) : 0; };
  if (name == XG_MAP_BLOCK_V4) return buckets(net::Family::kIPv4, s.block_v4);
  if (name == XG_MAP_BLOCK_V6) return buckets(net::Family::kIPv6, s.block_v6);
  if (name == XG_MAP_ALLOW_V4) return buckets(net::Family::kIPv4, s.allow_v4);
  if (name == XG_MAP_ALLOW_V6) return buckets(net::Family::kIPv6, s.allow_v6);
  if (name == XG_MAP_RULES_V4) return s.block_v4 ? RulesForEntries(s.block_v4) : 0;
  if (name == XG_MAP_RULES_V6) return s.block_v6 ? RulesForEntries(s.block_v6) : 0;
  if (name == XG_MAP_RULE_STATS) {
    // Sets over every CPU region; a request too big for the kernel fails at load.
    const uint64_t sets = s.rule_stats ? RuleStatsMapEntries(s.rule_stats, PossibleCpus()) : 0;
    return static_cast<uint32_t>(std::min<uint64_t>(sets, UINT32_MAX));
  }
  if (name == XG_MAP_BUCKETS) return s.buckets;
  if (name == XG_MAP_FLOWS) return s.flows;
  return 0;
}

// A map's size as the operator states it: list tables in entries, the rest as is.
uint32_t InEntries(absl::string_view name, uint32_t size) {
  if (name == XG_MAP_BLOCK_V4 || name == XG_MAP_ALLOW_V4) return EntryCapacity(net::Family::kIPv4, size);
  if (name == XG_MAP_BLOCK_V6 || name == XG_MAP_ALLOW_V6) return EntryCapacity(net::Family::kIPv6, size);
  if (name == XG_MAP_RULE_STATS) return RuleCountersPerCpu(size, PossibleCpus());
  return size;
}

// Compares a pinned map with this build's definition of it. Adopts the pinned size when
// none was requested; refuses a requested size that differs (resizing needs a new map).
absl::Status CheckPinnedMap(bpf_map* map, const std::string& path, uint32_t requested) {
  int fd = bpf_obj_get(path.c_str());
  if (fd < 0) {
    if (errno == ENOENT) return absl::OkStatus();  // not pinned yet: libbpf creates it
    return ErrnoToStatus(errno, absl::StrCat("open pinned map ", path));
  }
  UniqueFd owned(fd);
  bpf_map_info info{};
  uint32_t len = sizeof(info);
  if (int err = bpf_obj_get_info_by_fd(fd, &info, &len); err)
    return ErrnoToStatus(err, absl::StrCat("read info of ", path));
  const char* name = bpf_map__name(map);
  if (info.type != bpf_map__type(map) || info.key_size != bpf_map__key_size(map) ||
      info.value_size != bpf_map__value_size(map) || info.map_flags != bpf_map__map_flags(map)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "pinned map ", path, " (type ", info.type, ", key ", info.key_size, " B, value ",
        info.value_size, " B, flags ", info.map_flags, ") does not match this build's ", name,
        " (type ", bpf_map__type(map), ", key ", bpf_map__key_size(map), " B, value ",
        bpf_map__value_size(map), " B, flags ", bpf_map__map_flags(map),
        "): it was created by a different xdpguard version. Refusing to reuse it; run "
        "'xdpguard detach' on every interface without --keep-maps, then attach again"));
  }
  if (requested != 0 && requested != info.max_entries) {
    return absl::FailedPreconditionError(absl::StrCat(
        "pinned map ", path, " holds up to ", InEntries(name, info.max_entries), " entries, but ",
        InEntries(name, requested),
        " were requested; a map cannot be resized in place by attach. ",
        ListTableOf(name) ? absl::StrCat("'xdpguard resize ", SizeFlagOf(name),
                                         " N' resizes it while attached, without a gap; or omit the "
                                         "size to keep the current one")
                          : "Detach every interface without --keep-maps to start over with the new "
                            "size, or omit the size to keep the current one"));
  }
  if (int err = bpf_map__set_max_entries(map, info.max_entries); err)
    return ErrnoToStatus(err, absl::StrCat("adopt size of ", path));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<ObjectMapSpec>> ObjectMapSpecs() {
  static const absl::StatusOr<std::vector<ObjectMapSpec>> specs =
      []() -> absl::StatusOr<std::vector<ObjectMapSpec>> {
    xdpguard_bpf* skel = xdpguard_bpf__open();
    if (!skel) return ErrnoToStatus(errno, "open the embedded XDP object");
    std::vector<ObjectMapSpec> out;
    bpf_map* map;
    bpf_object__for_each_map(map, skel->obj) {
      if (bpf_map__is_internal(map)) continue;
      out.push_back({bpf_map__name(map), static_cast<uint32_t>(bpf_map__type(map)),
                     bpf_map__key_size(map), bpf_map__value_size(map)});
    }
    xdpguard_bpf__destroy(skel);
    return out;
  }();
  return specs;
}

absl::StatusOr<std::unique_ptr<DatapathObject>> DatapathObject::Open(const ObjectOptions& options) {
  xdpguard_bpf* skel = xdpguard_bpf__open();
  if (!skel) return ErrnoToStatus(errno, "open embedded BPF object");
  std::unique_ptr<DatapathObject> obj(new DatapathObject(skel, options));
  if (absl::Status s = obj->Configure(); !s.ok()) return s;
  return obj;
}

DatapathObject::~DatapathObject() { xdpguard_bpf__destroy(skel_); }

bpf_object* DatapathObject::obj() { return skel_->obj; }

bpf_program* DatapathObject::program() {
  return options_.frags ? skel_->progs.xdpguard_frags : skel_->progs.xdpguard_main;
}

const char* DatapathObject::program_name() const { return options_.frags ? kProgFrags : kProgMain; }

int DatapathObject::map_fd(const char* name) {
  bpf_map* map = bpf_object__find_map_by_name(skel_->obj, name);
  return map ? bpf_map__fd(map) : -1;
}

absl::Status DatapathObject::Configure() {
  // Only the selected program is loaded; the other variant stays out of the kernel.
  bpf_program__set_autoload(options_.frags ? skel_->progs.xdpguard_main
                                           : skel_->progs.xdpguard_frags,
                            false);
  skel_->rodata->use_verdict_cache = options_.verdict_cache ? 1 : 0;
  if (!options_.pin_dir.empty()) {
    if (absl::Status s = CheckPinnedAbi(options_.pin_dir); !s.ok()) return s;
  }
  // The per-rule counters hold a region per possible CPU, known only now: their default
  // size is set here, then replaced below by a request or by the pinned map's size.
  const uint64_t default_sets = RuleStatsMapEntries(XG_DEFAULT_RULE_STATS_ENTRIES, PossibleCpus());
  if (default_sets > UINT32_MAX ||
      bpf_map__set_max_entries(skel_->maps.xg_rule_stats, static_cast<uint32_t>(default_sets)) != 0)
    return absl::InternalError("size the per-rule counters for this machine's CPUs");
  bpf_map* map;
  bpf_object__for_each_map(map, skel_->obj) {
    const char* name = bpf_map__name(map);
    // .rodata/.bss etc. (libbpf names them "<object>.rodata") are per program, never pinned
    if (bpf_map__is_internal(map)) continue;
    uint32_t requested = RequestedSize(options_.sizes, name);
    if (InEntries(name, requested) > XG_MAX_MAP_ENTRIES)
      return absl::InvalidArgumentError(
          absl::StrCat("size ", requested, " for ", name, " exceeds ", XG_MAX_MAP_ENTRIES));
    if (options_.pin_dir.empty()) {
      if (requested && bpf_map__set_max_entries(map, requested) != 0)
        return ErrnoToStatus(errno, absl::StrCat("size ", name));
      continue;
    }
    if (auto it = options_.reuse_fds.find(name); it != options_.reuse_fds.end()) {
      if (int err = bpf_map__reuse_fd(map, it->second); err)
        return ErrnoToStatus(err, absl::StrCat("reuse the new ", name));
      continue;
    }
    if (options_.fresh_maps.count(name)) {
      if (!requested) return absl::InternalError(absl::StrCat("no size for the new ", name));
      if (bpf_map__set_max_entries(map, requested) != 0)
        return ErrnoToStatus(errno, absl::StrCat("size ", name));
      continue;
    }
    std::string path = absl::StrCat(options_.pin_dir, "/", name);
    if (requested) bpf_map__set_max_entries(map, requested);
    if (absl::Status s = CheckPinnedMap(map, path, requested); !s.ok()) return s;
    if (int err = bpf_map__set_pin_path(map, path.c_str()); err)
      return ErrnoToStatus(err, absl::StrCat("set pin path ", path));
  }
  // The datapath masks bucket indexes with the final (requested or pinned) bucket counts.
  const struct {
    bpf_map* map;
    int table;
  } tables[] = {{skel_->maps.xg_block_v4, XG_BKT_BLOCK_V4}, {skel_->maps.xg_block_v6, XG_BKT_BLOCK_V6},
                {skel_->maps.xg_allow_v4, XG_BKT_ALLOW_V4}, {skel_->maps.xg_allow_v6, XG_BKT_ALLOW_V6}};
  for (const auto& t : tables) {
    const uint32_t buckets = bpf_map__max_entries(t.map);
    if (buckets < 2 || (buckets & (buckets - 1)) != 0)
      return absl::FailedPreconditionError(absl::StrCat("map ", bpf_map__name(t.map), " has ", buckets,
                                                        " buckets, not a power of two"));
    skel_->rodata->xg_bkt_masks[t.table] = buckets - 1;
  }
  // The datapath finds a CPU's region with the final (requested or pinned) set count.
  absl::StatusOr<uint32_t> set_mask =
      RuleSetMask(bpf_map__max_entries(skel_->maps.xg_rule_stats), PossibleCpus());
  if (!set_mask.ok()) return set_mask.status();
  skel_->rodata->xg_rule_set_mask = *set_mask;
  return absl::OkStatus();
}

absl::Status DatapathObject::Load() {
  if (int err = xdpguard_bpf__load(skel_); err)
    return ErrnoToStatus(err, "load the XDP program (see the verifier log above)");
  return absl::OkStatus();
}

absl::Status DatapathObject::FinishPinning() {
  if (options_.pin_dir.empty()) return absl::OkStatus();
  if (absl::Status s = StampAbiVersion(bpf_map__fd(skel_->maps.xg_info)); !s.ok()) return s;
  return RestrictPins(options_.pin_dir);
}

}  // namespace xdpguard::datapath
