// SPDX-License-Identifier: GPL-2.0
#include "feeds/scheduler.h"

#include <algorithm>

namespace xdpguard::feeds {
namespace {

// Seconds from now until the feed should run again, by its status (never negative).
int64_t DelaySeconds(const FeedStatus& s, uint64_t interval_s, int64_t now_unix) {
  int64_t at = 0;
  if (s.last_attempt > 0) at = s.last_attempt + static_cast<int64_t>(interval_s);
  if (s.consecutive_failures > 0 || s.retry_not_before > 0) at = s.retry_not_before;
  return std::max<int64_t>(0, at - now_unix);
}

}  // namespace

void FeedScheduler::Seed(const std::string& feed, const FeedStatus& status, uint64_t interval_s,
                         int64_t now_unix, Clock::time_point now) {
  // A clock far in the future in the status (wall clock was wrong) is capped at one interval.
  int64_t d = std::min<int64_t>(DelaySeconds(status, interval_s, now_unix), static_cast<int64_t>(interval_s));
  due_[feed] = now + std::chrono::seconds(d);
}

void FeedScheduler::Done(const std::string& feed, const FeedStatus& status, uint64_t interval_s,
                         int64_t now_unix, Clock::time_point now) {
  int64_t d = status.consecutive_failures > 0 ? DelaySeconds(status, interval_s, now_unix)
                                              : static_cast<int64_t>(interval_s);
  due_[feed] = now + std::chrono::seconds(std::max<int64_t>(d, 1));
}

std::vector<std::string> FeedScheduler::Due(Clock::time_point now) const {
  std::vector<std::string> out;
  for (const auto& [name, at] : due_) {
    if (at <= now) out.push_back(name);
  }
  return out;
}

std::optional<FeedScheduler::Clock::time_point> FeedScheduler::Next() const {
  std::optional<Clock::time_point> next;
  for (const auto& [name, at] : due_) {
    if (!next || at < *next) next = at;
  }
  return next;
}

}  // namespace xdpguard::feeds
