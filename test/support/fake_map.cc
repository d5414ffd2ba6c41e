// SPDX-License-Identifier: GPL-2.0
#include "fake_map.h"

#include <memory>
#include <vector>

#include <cerrno>
#include <cstring>

#include "common/errno_status.h"

namespace xdpguard::datapath {

absl::StatusOr<bool> FakeMap::Lookup(const void* key, void* value) {
  auto it = entries_.find(std::string(static_cast<const char*>(key), key_size_));
  if (it == entries_.end()) return false;
  std::memcpy(value, it->second.data(), value_size_);
  return true;
}

absl::Status FakeMap::UpdateBatch(const void* keys, const void* values, uint32_t count,
                                  uint32_t* applied) {
  const char* k = static_cast<const char*>(keys);
  const char* v = static_cast<const char*>(values);
  uint32_t done = 0;
  absl::Status status;
  for (; done < count; done++) {
    if (fail_update_after_ >= 0 && static_cast<int>(done) >= fail_update_after_) {
      fail_update_after_ = -1;
      status = ErrnoToStatus(ENOMEM, "update " + name_ + " (injected)");
      break;
    }
    std::string key(k + done * key_size_, key_size_);
    if (!entries_.count(key) && entries_.size() >= max_entries_) {
      status = ErrnoToStatus(ENOSPC, "update " + name_);
      break;
    }
    entries_[key] = std::string(v + done * value_size_, value_size_);
    if (after_each_change_) after_each_change_();
  }
  if (applied) *applied = done;
  return status;
}

absl::Status FakeMap::DeleteBatch(const void* keys, uint32_t count, uint32_t* applied) {
  const char* k = static_cast<const char*>(keys);
  uint32_t done = 0;
  absl::Status status;
  for (; done < count; done++) {
    if (entries_.erase(std::string(k + done * key_size_, key_size_)) == 0) {
      status = ErrnoToStatus(ENOENT, "delete from " + name_);
      break;
    }
    if (after_each_change_) after_each_change_();
  }
  if (applied) *applied = done;
  return status;
}

absl::Status FakeMap::ForEach(
    const std::function<void(const void* key, const void* value)>& visit) {
  for (const auto& [key, value] : entries_) visit(key.data(), value.data());
  return absl::OkStatus();
}

LengthMasks* TestMasks() {
  static std::vector<std::unique_ptr<LengthMasks>> all;
  all.push_back(LengthMasks::InMemory());
  return all.back().get();
}

}  // namespace xdpguard::datapath
