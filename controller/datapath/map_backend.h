// SPDX-License-Identifier: GPL-2.0
// The seam between map logic and the kernel: a small byte-level map interface with a
// libbpf implementation (libbpf_map.h) and an in-memory fake (fake_map.h), so prefix
// tables, capacity checks and rollbacks are unit-tested without privileges.
#ifndef XDPGUARD_DATAPATH_MAP_BACKEND_H_
#define XDPGUARD_DATAPATH_MAP_BACKEND_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace xdpguard::datapath {

class MapBackend {
 public:
  virtual ~MapBackend() = default;

  virtual const std::string& name() const = 0;
  virtual uint32_t key_size() const = 0;
  virtual uint32_t value_size() const = 0;
  virtual uint32_t max_entries() const = 0;
  // Names this map instance: another map (recreated after a reboot or detach) has another
  // identity, so state recorded against the old one is not trusted for the new one.
  virtual std::string identity() const = 0;

  // Copies the value for an exact key into value; false when absent.
  virtual absl::StatusOr<bool> Lookup(const void* key, void* value) = 0;
  // True when Lookup reads memory this process has mapped (no system call), so looking up
  // a million keys one by one is cheaper than any walk of the map.
  virtual bool lookups_in_memory() const { return false; }
  // Inserts or overwrites count entries, packed back to back. On failure some entries
  // may have been written; *applied (if given) says how many, so callers can roll back.
  virtual absl::Status UpdateBatch(const void* keys, const void* values, uint32_t count,
                                   uint32_t* applied) = 0;
  // Deletes count keys. A missing key is an error (NotFound).
  virtual absl::Status DeleteBatch(const void* keys, uint32_t count, uint32_t* applied) = 0;
  // Number of entries (walks the keys: O(n) syscalls on a kernel map).
  virtual absl::StatusOr<uint32_t> Count() = 0;
  // Visits every entry. Entries added or removed concurrently may or may not be seen.
  virtual absl::Status ForEach(
      const std::function<void(const void* key, const void* value)>& visit) = 0;
};

}  // namespace xdpguard::datapath

#endif  // XDPGUARD_DATAPATH_MAP_BACKEND_H_
