// SPDX-License-Identifier: GPL-2.0
// What one list writer (an owner: the feeds, the config file, ...) last wrote to a pair of
// prefix maps, and the state file that keeps it between runs. The file names the maps it
// describes (PrefixTable::Identity: boot id + map ids), so a reboot or re-created maps
// make it stale instead of wrong. Sealed (common/sealed_file.h): whole or refused.
#ifndef XDPGUARD_LISTS_APPLIED_SET_H_
#define XDPGUARD_LISTS_APPLIED_SET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "net/cidr.h"

namespace xdpguard::lists {

struct AppliedEntry {
  net::Cidr cidr;
  uint16_t origin = 0;   // the value's origin (which feed, for the feeds owner)
  uint64_t version = 0;  // ValueVersion of the value written (reconciler.h)
};

struct AppliedSet {
  std::string maps_identity;
  std::vector<AppliedEntry> entries;  // sorted by prefix, unique
};

absl::Status SaveAppliedSet(const std::string& path, const AppliedSet& set);
// NotFound if absent; DataLoss if corrupt, of another kind or format.
absl::StatusOr<AppliedSet> LoadAppliedSet(const std::string& path);
// Removes the file (absent is fine).
absl::Status RemoveAppliedSet(const std::string& path);

}  // namespace xdpguard::lists

#endif  // XDPGUARD_LISTS_APPLIED_SET_H_
