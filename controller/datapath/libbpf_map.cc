// SPDX-License-Identifier: GPL-2.0
#include "datapath/libbpf_map.h"

#include <bpf/bpf.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"

namespace xdpguard::datapath {
namespace {

// Elements per batch syscall: large enough to amortise the syscall, small enough that
// the buffers stay a few MiB.
constexpr uint32_t kBatchSize = 8192;

bool BatchUnsupported(int err) {
  err = -err;
  return err == EINVAL || err == ENOTSUP || err == EOPNOTSUPP || err == ENOTTY;
}

}  // namespace

LibbpfMap::LibbpfMap(UniqueFd fd, const bpf_map_info& info)
    : fd_(std::move(fd)), info_(info), name_(info.name) {}

absl::StatusOr<std::unique_ptr<LibbpfMap>> LibbpfMap::FromFd(UniqueFd fd) {
  bpf_map_info info{};
  uint32_t len = sizeof(info);
  if (int err = bpf_obj_get_info_by_fd(fd.get(), &info, &len); err)
    return ErrnoToStatus(err, "read map info");
  return std::unique_ptr<LibbpfMap>(new LibbpfMap(std::move(fd), info));
}

absl::StatusOr<std::unique_ptr<LibbpfMap>> LibbpfMap::OpenPinned(const std::string& path) {
  int fd = bpf_obj_get(path.c_str());
  if (fd < 0) return ErrnoToStatus(errno, absl::StrCat("open pinned map ", path));
  return FromFd(UniqueFd(fd));
}

std::string LibbpfMap::identity() const {
  static const std::string boot = [] {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string id;
    std::getline(in, id);
    return id.empty() ? std::string("unknown-boot") : id;
  }();
  return absl::StrCat(boot, "/map-id:", info_.id);
}

absl::StatusOr<bool> LibbpfMap::Lookup(const void* key, void* value) {
  if (bpf_map_lookup_elem(fd_.get(), key, value) == 0) return true;
  if (errno == ENOENT) return false;
  return ErrnoToStatus(errno, absl::StrCat("lookup in ", name_));
}

absl::Status LibbpfMap::UpdateBatch(const void* keys, const void* values, uint32_t count,
                                    uint32_t* applied) {
  const char* k = static_cast<const char*>(keys);
  const char* v = static_cast<const char*>(values);
  uint32_t done = 0;
  absl::Status status;
  bool use_batch = true;
  while (done < count) {
    uint32_t n = std::min(kBatchSize, count - done);
    if (use_batch) {
      uint32_t batch_n = n;
      LIBBPF_OPTS(bpf_map_batch_opts, opts);
      int err = bpf_map_update_batch(fd_.get(), k + done * key_size(), v + done * value_size(),
                                     &batch_n, &opts);
      if (err && BatchUnsupported(err) && batch_n == 0 && done == 0) {
        use_batch = false;  // map type without batch ops: fall back to single updates
        continue;
      }
      done += batch_n;
      if (err) {
        status = ErrnoToStatus(err, absl::StrCat("update map ", name_));
        break;
      }
      continue;
    }
    if (bpf_map_update_elem(fd_.get(), k + done * key_size(), v + done * value_size(),
                            BPF_ANY) != 0) {
      status = ErrnoToStatus(errno, absl::StrCat("update map ", name_));
      break;
    }
    done++;
  }
  if (applied) *applied = done;
  return status;
}

absl::Status LibbpfMap::DeleteBatch(const void* keys, uint32_t count, uint32_t* applied) {
  const char* k = static_cast<const char*>(keys);
  uint32_t done = 0;
  absl::Status status;
  // Single deletes: the batch form stops at the first missing key without saying which.
  for (; done < count; done++) {
    if (bpf_map_delete_elem(fd_.get(), k + done * key_size()) != 0) {
      status = ErrnoToStatus(errno, absl::StrCat("delete from map ", name_));
      break;
    }
  }
  if (applied) *applied = done;
  return status;
}

absl::StatusOr<uint32_t> LibbpfMap::Count() {
  std::vector<char> key(key_size()), next(key_size());
  uint32_t n = 0;
  int err = bpf_map_get_next_key(fd_.get(), nullptr, next.data());
  while (err == 0) {
    n++;
    key.swap(next);
    err = bpf_map_get_next_key(fd_.get(), key.data(), next.data());
  }
  if (errno != ENOENT) return ErrnoToStatus(errno, absl::StrCat("iterate ", name_));
  return n;
}

absl::Status LibbpfMap::ForEach(
    const std::function<void(const void* key, const void* value)>& visit) {
  std::vector<char> key(key_size()), next(key_size()), value(value_size());
  int err = bpf_map_get_next_key(fd_.get(), nullptr, next.data());
  while (err == 0) {
    key.swap(next);
    if (bpf_map_lookup_elem(fd_.get(), key.data(), value.data()) == 0) {
      visit(key.data(), value.data());
    } else if (errno != ENOENT) {  // ENOENT: deleted concurrently
      return ErrnoToStatus(errno, absl::StrCat("lookup in ", name_));
    }
    err = bpf_map_get_next_key(fd_.get(), key.data(), next.data());
  }
  if (errno != ENOENT) return ErrnoToStatus(errno, absl::StrCat("iterate ", name_));
  return absl::OkStatus();
}

}  // namespace xdpguard::datapath
