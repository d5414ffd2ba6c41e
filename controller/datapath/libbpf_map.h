// SPDX-License-Identifier: GPL-2.0
// MapBackend over a kernel map fd (owned). Uses the batch syscalls where the map type
// supports them and falls back to one syscall per element where it does not.
#ifndef XDPGUARD_DATAPATH_LIBBPF_MAP_H_
#define XDPGUARD_DATAPATH_LIBBPF_MAP_H_

#include <linux/bpf.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"
#include "datapath/map_backend.h"

namespace xdpguard::datapath {

class LibbpfMap : public MapBackend {
 public:
  // Takes ownership of fd; reads the map's info (type, sizes, name) from the kernel.
  static absl::StatusOr<std::unique_ptr<LibbpfMap>> FromFd(UniqueFd fd);
  // Opens a pinned map by path.
  static absl::StatusOr<std::unique_ptr<LibbpfMap>> OpenPinned(const std::string& path);

  const std::string& name() const override { return name_; }
  uint32_t key_size() const override { return info_.key_size; }
  uint32_t value_size() const override { return info_.value_size; }
  uint32_t max_entries() const override { return info_.max_entries; }
  // Kernel map ids are allocated cyclically and not reused until the id space wraps, but
  // they start over at boot: the boot id makes the identity unique across reboots.
  std::string identity() const override;
  uint32_t type() const { return info_.type; }
  uint32_t id() const { return info_.id; }
  uint32_t map_flags() const { return info_.map_flags; }
  int fd() const { return fd_.get(); }

  absl::StatusOr<bool> Lookup(const void* key, void* value) override;
  absl::Status UpdateBatch(const void* keys, const void* values, uint32_t count,
                           uint32_t* applied) override;
  absl::Status DeleteBatch(const void* keys, uint32_t count, uint32_t* applied) override;
  absl::StatusOr<uint32_t> Count() override;
  absl::Status ForEach(
      const std::function<void(const void* key, const void* value)>& visit) override;

 private:
  LibbpfMap(UniqueFd fd, const bpf_map_info& info);
  UniqueFd fd_;
  bpf_map_info info_;
  std::string name_;
};

}  // namespace xdpguard::datapath

#endif  // XDPGUARD_DATAPATH_LIBBPF_MAP_H_
