// SPDX-License-Identifier: GPL-2.0
// Keeps the test's thread (and so BPF_PROG_TEST_RUN) on one CPU (by default the one it runs
// on now), so the per-CPU state a test reads (a cache switch, a write-back slot, a region of
// counter sets) is the one its packets used.
#ifndef XDPGUARD_TEST_DATAPATH_PINNED_CPU_H_
#define XDPGUARD_TEST_DATAPATH_PINNED_CPU_H_

#include <sched.h>

#include <catch2/catch.hpp>

namespace xdpguard::test {

class PinnedToThisCpu {
 public:
  PinnedToThisCpu() : PinnedToThisCpu(sched_getcpu()) {}
  // Moves the thread to `cpu` first (one the thread may run on).
  explicit PinnedToThisCpu(int cpu) : cpu_(cpu) {
    sched_getaffinity(0, sizeof(saved_), &saved_);
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu_, &one);
    REQUIRE(sched_setaffinity(0, sizeof(one), &one) == 0);
  }
  ~PinnedToThisCpu() { sched_setaffinity(0, sizeof(saved_), &saved_); }
  PinnedToThisCpu(const PinnedToThisCpu&) = delete;
  PinnedToThisCpu& operator=(const PinnedToThisCpu&) = delete;
  int cpu() const { return cpu_; }

 private:
  int cpu_;
  cpu_set_t saved_;
};

}  // namespace xdpguard::test

#endif  // XDPGUARD_TEST_DATAPATH_PINNED_CPU_H_
