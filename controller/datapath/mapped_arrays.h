// SPDX-License-Identifier: GPL-2.0
// BPF_F_MMAPABLE arrays mapped into the controller's memory, unmapped when the owner goes:
// the length masks and the list tables are written in place this way.
#ifndef XDPGUARD_DATAPATH_MAPPED_ARRAYS_H_
#define XDPGUARD_DATAPATH_MAPPED_ARRAYS_H_

#include <cstddef>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace xdpguard::datapath {

class MappedArrays {
 public:
  MappedArrays() = default;
  ~MappedArrays();
  MappedArrays(const MappedArrays&) = delete;
  MappedArrays& operator=(const MappedArrays&) = delete;
  MappedArrays(MappedArrays&& o) noexcept : mappings_(std::move(o.mappings_)) {}
  MappedArrays& operator=(MappedArrays&& o) noexcept {
    mappings_.swap(o.mappings_);  // what this held is released with o
    return *this;
  }

  // Maps `bytes` (rounded up to pages) of the array behind fd, read-write and shared.
  // name is for the error message.
  absl::StatusOr<void*> Map(int fd, size_t bytes, const char* name);

  // For the service, whose every write session opens the same maps again: from now on a
  // mapping outlives its owner and the next Map of the same map (by id) reuses it. A fresh
  // mapping pays a page-table fill on its first touch of each page (in a VM with shadow
  // paging, a fault per page, read and again on the first write: most of the map writes of
  // a 1% refresh of a 1M feed). A retained mapping holds its map; it is dropped when a map
  // of the same name and another id is mapped (the maps were re-created) while unused.
  // Off again (tests) stops retaining new mappings; retained ones stay.
  static void RetainMappingsForReuse(bool on = true);

 private:
  struct Mapping {
    void* at;
    size_t bytes;
    bool retained;
  };
  std::vector<Mapping> mappings_;
};

}  // namespace xdpguard::datapath

#endif  // XDPGUARD_DATAPATH_MAPPED_ARRAYS_H_
