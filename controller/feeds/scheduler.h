// SPDX-License-Identifier: GPL-2.0
// When each feed is next due, on the monotonic clock (a wall-clock jump, NTP step or
// suspend arithmetic never makes a feed fire early or stall). The persisted status holds
// wall-clock times for display; they are converted once, when a schedule is seeded.
#ifndef XDPGUARD_FEEDS_SCHEDULER_H_
#define XDPGUARD_FEEDS_SCHEDULER_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "feeds/feed_state.h"

namespace xdpguard::feeds {

class FeedScheduler {
 public:
  using Clock = std::chrono::steady_clock;

  // First due time from a feed's persisted status: its last attempt plus the interval,
  // or the retry time after failures, whichever applies; now if never attempted.
  void Seed(const std::string& feed, const FeedStatus& status, uint64_t interval_s,
            int64_t now_unix, Clock::time_point now);
  // After an attempt: next due from the status it left (success: interval; failure:
  // the retry time the engine chose).
  void Done(const std::string& feed, const FeedStatus& status, uint64_t interval_s,
            int64_t now_unix, Clock::time_point now);

  std::vector<std::string> Due(Clock::time_point now) const;
  std::optional<Clock::time_point> Next() const;

 private:
  std::map<std::string, Clock::time_point> due_;
};

}  // namespace xdpguard::feeds

#endif  // XDPGUARD_FEEDS_SCHEDULER_H_
