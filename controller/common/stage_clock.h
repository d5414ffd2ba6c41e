// SPDX-License-Identifier: GPL-2.0
// Wall time per named stage of one job (a feed refresh: read, parse, policy, plan, map
// writes, ...), so the log and the benchmarks say where the time went instead of one
// total. A stage timed twice adds up.
#ifndef XDPGUARD_COMMON_STAGE_CLOCK_H_
#define XDPGUARD_COMMON_STAGE_CLOCK_H_

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace xdpguard {

class StageClock {
 public:
  using Clock = std::chrono::steady_clock;

  StageClock() : last_(Clock::now()) {}
  // Starts over: no stages, the next lap counts from now.
  void Reset();
  // Charges the time since the previous lap (or Reset) to stage.
  void Lap(const std::string& stage);
  double TotalMs() const;
  // "read 5 ms, parse 31 ms, ..." in first-lap order.
  std::string Summary() const;
  const std::vector<std::pair<std::string, double>>& stages_ms() const { return stages_; }

 private:
  Clock::time_point last_;
  std::vector<std::pair<std::string, double>> stages_;
};

}  // namespace xdpguard

#endif  // XDPGUARD_COMMON_STAGE_CLOCK_H_
