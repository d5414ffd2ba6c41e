// SPDX-License-Identifier: GPL-2.0
#include <catch2/catch.hpp>

#include "common/duration.h"

using xdpguard::FormatSeconds;
using xdpguard::ParseDurationSeconds;

TEST_CASE("durations") {
  CHECK(*ParseDurationSeconds("90s") == 90);
  CHECK(*ParseDurationSeconds("30m") == 1800);
  CHECK(*ParseDurationSeconds("2h") == 7200);
  CHECK(*ParseDurationSeconds("1d") == 86400);
  CHECK(*ParseDurationSeconds("1h30m") == 5400);
  for (const char* bad : {"", "10", "h", "0s", "-1h", "1.5h", "1w", "400d", "1h 2m"}) {
    INFO(bad);
    CHECK_FALSE(ParseDurationSeconds(bad).ok());
  }
  CHECK(FormatSeconds(5400) == "1h30m");
  CHECK(FormatSeconds(0) == "0s");
  CHECK(FormatSeconds(90061) == "1d1h1m1s");
}
