// SPDX-License-Identifier: GPL-2.0
// Parses operator durations such as "90s", "30m", "2h", "1d", "1h30m". Strict: a positive
// whole number before each unit, units s/m/h/d, at most 365 days.
#ifndef XDPGUARD_COMMON_DURATION_H_
#define XDPGUARD_COMMON_DURATION_H_

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace xdpguard {

absl::StatusOr<uint64_t> ParseDurationSeconds(absl::string_view text);
std::string FormatSeconds(uint64_t seconds);  // "1h30m", "45s"

}  // namespace xdpguard

#endif  // XDPGUARD_COMMON_DURATION_H_
