// SPDX-License-Identifier: GPL-2.0
// The pinned enforcement state, opened by name for the CLI verbs that read or write it
// (block, allow, stats, status) whether or not a daemon runs. Every map's type and
// key/value sizes are checked against this build's contract when opened, so a verb never
// reads or writes a map from a different version.
#ifndef XDPGUARD_DATAPATH_PINNED_MAPS_H_
#define XDPGUARD_DATAPATH_PINNED_MAPS_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "datapath/interface_config.h"
#include "datapath/length_masks.h"
#include "datapath/list_tables.h"
#include "datapath/libbpf_map.h"
#include "datapath/prefix_table.h"
#include "xdpguard_maps.h"

namespace xdpguard::datapath {

// FailedPrecondition if the pinned xg_info carries another ABI version.
absl::Status CheckPinnedAbi(const std::string& pin_dir);

class PinnedMaps {
 public:
  // NotFound (with a hint to attach first) when nothing is pinned in pin_dir.
  static absl::StatusOr<std::unique_ptr<PinnedMaps>> Open(const std::string& pin_dir);

  LibbpfMap* map(const std::string& name) const { return maps_.at(name).get(); }
  // A map as entries: the list tables (xg_block_v4 ...) as BucketMaps, any other map as is.
  MapBackend* entries(const std::string& name) const;
  PrefixTable<xg_rule> Blocklist() const;
  PrefixTable<xg_allow> Allowlist() const;
  int ifconfig_fd() const { return map(XG_MAP_IFCONFIG)->fd(); }
  int if_slots_fd() const { return map(XG_MAP_IF_SLOTS)->fd(); }
  const std::string& pin_dir() const { return pin_dir_; }

 private:
  std::string pin_dir_;
  std::unique_ptr<LengthMasks> masks_;
  std::unique_ptr<ListTables> lists_;
  std::map<std::string, std::unique_ptr<LibbpfMap>> maps_;
};

}  // namespace xdpguard::datapath

#endif  // XDPGUARD_DATAPATH_PINNED_MAPS_H_
