// SPDX-License-Identifier: GPL-2.0
#include "common/stage_clock.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace xdpguard {

void StageClock::Reset() {
  stages_.clear();
  last_ = Clock::now();
}

void StageClock::Lap(const std::string& stage) {
  Clock::time_point now = Clock::now();
  double ms = std::chrono::duration<double, std::milli>(now - last_).count();
  last_ = now;
  for (auto& [name, total] : stages_) {
    if (name == stage) {
      total += ms;
      return;
    }
  }
  stages_.emplace_back(stage, ms);
}

double StageClock::TotalMs() const {
  double sum = 0;
  for (const auto& [name, ms] : stages_) sum += ms;
  return sum;
}

std::string StageClock::Summary() const {
  std::string out;
  for (const auto& [name, ms] : stages_) absl::StrAppend(&out, out.empty() ? "" : ", ", name, " ", absl::StrFormat("%.0f", ms), " ms");
  return out;
}

}  // namespace xdpguard
