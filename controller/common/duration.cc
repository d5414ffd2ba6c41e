// SPDX-License-Identifier: GPL-2.0
#include "common/duration.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace xdpguard {

absl::StatusOr<uint64_t> ParseDurationSeconds(absl::string_view text) {
  constexpr uint64_t kMax = 365ull * 86400;
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid duration '", text, "': ", why, " (examples: 90s, 30m, 2h, 1d, 1h30m)"));
  };
  if (text.empty()) return bad("empty");
  uint64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    uint64_t n = 0;
    size_t digits = 0;
    while (i < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) {
      n = n * 10 + static_cast<uint64_t>(text[i] - '0');
      if (n > kMax) return bad("too long");
      i++;
      digits++;
    }
    if (digits == 0) return bad("expected a number");
    if (i == text.size()) return bad("missing unit");
    uint64_t unit = 0;
    switch (text[i]) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      default: return bad("unknown unit");
    }
    i++;
    total += n * unit;
    if (total > kMax) return bad("longer than 365 days");
  }
  if (total == 0) return bad("must be positive");
  return total;
}

std::string FormatSeconds(uint64_t s) {
  std::string out;
  if (s >= 86400) absl::StrAppend(&out, s / 86400, "d"), s %= 86400;
  if (s >= 3600) absl::StrAppend(&out, s / 3600, "h"), s %= 3600;
  if (s >= 60) absl::StrAppend(&out, s / 60, "m"), s %= 60;
  if (s > 0 || out.empty()) absl::StrAppend(&out, s, "s");
  return out;
}

}  // namespace xdpguard
