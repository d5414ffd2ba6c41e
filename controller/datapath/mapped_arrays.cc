// SPDX-License-Identifier: GPL-2.0
#include "datapath/mapped_arrays.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"

namespace xdpguard::datapath {

MappedArrays::~MappedArrays() {
  for (auto [at, bytes] : mappings_) munmap(at, bytes);
}

absl::StatusOr<void*> MappedArrays::Map(int fd, size_t bytes, const char* name) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  bytes = (bytes + page - 1) / page * page;
  void* at = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (at == MAP_FAILED) return ErrnoToStatus(errno, absl::StrCat("map ", name, " into memory"));
  mappings_.emplace_back(at, bytes);
  return at;
}

}  // namespace xdpguard::datapath
