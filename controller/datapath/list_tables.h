// SPDX-License-Identifier: GPL-2.0
// The four list tables (blocklist and allowlist, IPv4 and IPv6) of one set of maps, opened
// as BucketMaps: what PrefixTable reads and writes. Used by PinnedMaps for the verbs and
// the service, and by tests and benchmarks on an unpinned object.
#ifndef XDPGUARD_DATAPATH_LIST_TABLES_H_
#define XDPGUARD_DATAPATH_LIST_TABLES_H_

#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "datapath/bucket_map.h"
#include "datapath/libbpf_map.h"

namespace xdpguard::datapath {

// The four tables' maps, in ListTables order.
struct ListTableSpec {
  const char* name;   // the bucket array
  const char* rules;  // its rules array; null for allowlists
  net::Family family;
};
const std::vector<ListTableSpec>& ListTableSpecs();
// The list table a map belongs to (its bucket array or its rules array), or null.
const ListTableSpec* ListTableOf(absl::string_view map_name);
// The `attach` / `resize` flag that sizes a map: xg_block_v4 and xg_rules_v4 ->
// --block-v4-entries; another name the same way (xg_flows -> --flows-entries).
std::string SizeFlagOf(absl::string_view map_name);

class ListTables {
 public:
  // fd_of(name): the fd of a map of the object (borrowed: it is duplicated).
  static absl::StatusOr<std::unique_ptr<ListTables>> Open(const std::function<int(const char* name)>& fd_of);

  BucketMap* block_v4() const { return tables_[0].get(); }
  BucketMap* block_v6() const { return tables_[1].get(); }
  BucketMap* allow_v4() const { return tables_[2].get(); }
  BucketMap* allow_v6() const { return tables_[3].get(); }
  // The table named name (XG_MAP_BLOCK_V4 ...), or null for any other map.
  BucketMap* table(const std::string& name) const;

 private:
  std::vector<std::unique_ptr<LibbpfMap>> maps_;  // the arrays the tables are mapped from
  std::unique_ptr<BucketMap> tables_[4];
};

}  // namespace xdpguard::datapath

#endif  // XDPGUARD_DATAPATH_LIST_TABLES_H_
