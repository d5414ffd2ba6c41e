// SPDX-License-Identifier: GPL-2.0
// In-memory MapBackend for tests (linked into tests only): exact-key storage with the
// kernel's capacity rule (an insert into a full map fails with ENOSPC) and optional
// injected failures.
#ifndef XDPGUARD_TEST_SUPPORT_FAKE_MAP_H_
#define XDPGUARD_TEST_SUPPORT_FAKE_MAP_H_

#include <functional>
#include <map>
#include <string>

#include "datapath/length_masks.h"
#include "datapath/map_backend.h"

namespace xdpguard::datapath {

class FakeMap : public MapBackend {
 public:
  FakeMap(std::string name, uint32_t key_size, uint32_t value_size, uint32_t max_entries)
      : name_(std::move(name)), key_size_(key_size), value_size_(value_size),
        max_entries_(max_entries) {}

  const std::string& name() const override { return name_; }
  uint32_t key_size() const override { return key_size_; }
  uint32_t value_size() const override { return value_size_; }
  uint32_t max_entries() const override { return max_entries_; }
  std::string identity() const override { return "fake:" + std::to_string(instance_); }

  absl::StatusOr<bool> Lookup(const void* key, void* value) override;
  absl::Status UpdateBatch(const void* keys, const void* values, uint32_t count,
                           uint32_t* applied) override;
  absl::Status DeleteBatch(const void* keys, uint32_t count, uint32_t* applied) override;
  absl::StatusOr<uint32_t> Count() override { return static_cast<uint32_t>(entries_.size()); }
  absl::Status ForEach(
      const std::function<void(const void* key, const void* value)>& visit) override;

  size_t size() const { return entries_.size(); }
  // The next update fails after this many entries were written (-1: never).
  void FailUpdateAfter(int n) { fail_update_after_ = n; }
  // Called after every single entry written or deleted (the kernel's unit of atomicity):
  // a no-gap test looks at the whole map between any two changes.
  void AfterEachChange(std::function<void()> observe) { after_each_change_ = std::move(observe); }

 private:
  std::string name_;
  uint32_t key_size_, value_size_, max_entries_;
  std::map<std::string, std::string> entries_;
  int fail_update_after_ = -1;
  std::function<void()> after_each_change_;
  uint64_t instance_ = NextInstance();
  static uint64_t NextInstance() {
    static uint64_t next = 0;
    return ++next;
  }
};

// Fresh zeroed length masks for a prefix table over fake maps, kept until the test binary
// exits (nothing in the product reads them; the host-side lookup tests read their own).
LengthMasks* TestMasks();

}  // namespace xdpguard::datapath

#endif  // XDPGUARD_TEST_SUPPORT_FAKE_MAP_H_
