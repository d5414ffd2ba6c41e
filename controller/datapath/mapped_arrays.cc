// SPDX-License-Identifier: GPL-2.0
#include "datapath/mapped_arrays.h"

#include <bpf/bpf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"

namespace xdpguard::datapath {
namespace {

struct Retained {
  uint32_t map_id;
  std::string name;
  void* at;
  size_t bytes;
  int users;
};

// Process-wide: sessions are opened from several threads of the service.
std::mutex retained_mu;
bool retain_mappings = false;
std::vector<Retained>* retained = new std::vector<Retained>;  // never destroyed: exit order

uint32_t MapId(int fd) {
  bpf_map_info info{};
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) return 0;
  return info.id;
}

}  // namespace

void MappedArrays::RetainMappingsForReuse(bool on) {
  std::lock_guard<std::mutex> lock(retained_mu);
  retain_mappings = on;
}

MappedArrays::~MappedArrays() {
  for (const Mapping& m : mappings_) {
    if (!m.retained) {
      munmap(m.at, m.bytes);
      continue;
    }
    std::lock_guard<std::mutex> lock(retained_mu);
    for (Retained& r : *retained)
      if (r.at == m.at) r.users--;
  }
}

absl::StatusOr<void*> MappedArrays::Map(int fd, size_t bytes, const char* name) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  bytes = (bytes + page - 1) / page * page;
  std::unique_lock<std::mutex> lock(retained_mu);
  const uint32_t id = retain_mappings ? MapId(fd) : 0;
  if (id != 0) {
    for (Retained& r : *retained) {
      if (r.map_id == id && r.bytes == bytes) {
        r.users++;
        mappings_.push_back({r.at, bytes, true});
        return r.at;
      }
    }
  }
  void* at = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (at == MAP_FAILED) return ErrnoToStatus(errno, absl::StrCat("map ", name, " into memory"));
  if (id == 0) {
    mappings_.push_back({at, bytes, false});
    return at;
  }
  // The maps were re-created (a detach and attach, a reboot of the datapath): the old
  // mappings of this name keep old maps alive for nothing once unused.
  for (auto it = retained->begin(); it != retained->end();) {
    if (it->name == name && it->users == 0) {
      munmap(it->at, it->bytes);
      it = retained->erase(it);
    } else {
      ++it;
    }
  }
  retained->push_back({id, name, at, bytes, 1});
  mappings_.push_back({at, bytes, true});
  return at;
}

}  // namespace xdpguard::datapath
