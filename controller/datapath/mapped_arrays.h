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
    mappings_.swap(o.mappings_);  // what this held is unmapped with o
    return *this;
  }

  // Maps `bytes` (rounded up to pages) of the array behind fd, read-write and shared.
  // name is for the error message.
  absl::StatusOr<void*> Map(int fd, size_t bytes, const char* name);

 private:
  std::vector<std::pair<void*, size_t>> mappings_;
};

}  // namespace xdpguard::datapath

#endif  // XDPGUARD_DATAPATH_MAPPED_ARRAYS_H_
