// SPDX-License-Identifier: GPL-2.0
#include "datapath/pinned_maps.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "datapath/datapath_object.h"

namespace xdpguard::datapath {

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
  absl::StatusOr<std::vector<ObjectMapSpec>> specs = ObjectMapSpecs();
  if (!specs.ok()) return specs.status();
  for (const ObjectMapSpec& spec : *specs) {
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
  absl::StatusOr<std::unique_ptr<LengthMasks>> masks =
      LengthMasks::MapArrays({out->map(XG_MAP_LENS_V4)->fd(), out->map(XG_MAP_LENS_V6)->fd(),
                              out->map(XG_MAP_LSUM_V4)->fd(), out->map(XG_MAP_LSUM_V6)->fd()});
  if (!masks.ok()) return masks.status();
  out->masks_ = std::move(*masks);
  PinnedMaps* self = out.get();
  absl::StatusOr<std::unique_ptr<ListTables>> lists =
      ListTables::Open([self](const char* name) { return self->map(name)->fd(); });
  if (!lists.ok()) return lists.status();
  out->lists_ = std::move(*lists);
  return out;
}

MapBackend* PinnedMaps::entries(const std::string& name) const {
  if (BucketMap* t = lists_->table(name)) return t;
  return map(name);
}

PrefixTable<xg_rule> PinnedMaps::Blocklist() const {
  // Sizes were verified in Open, so Create cannot fail here.
  return *PrefixTable<xg_rule>::Create(lists_->block_v4(), lists_->block_v6(), masks_.get(),
                                       map(XG_MAP_LIST_GEN));
}

PrefixTable<xg_allow> PinnedMaps::Allowlist() const {
  return *PrefixTable<xg_allow>::Create(lists_->allow_v4(), lists_->allow_v6(), masks_.get(),
                                        map(XG_MAP_LIST_GEN));
}

}  // namespace xdpguard::datapath
