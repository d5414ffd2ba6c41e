// SPDX-License-Identifier: GPL-2.0
#include <catch2/catch.hpp>

#include "cli/args.h"

using xdpguard::cli::Args;
using xdpguard::cli::FlagSpec;
using xdpguard::cli::ParseCount;

TEST_CASE("flags and positionals") {
  FlagSpec spec{{"json", "force"}, {"ttl", "mode"}};
  auto a = Args::Parse({"add", "10.0.0.0/8", "--ttl", "2h", "--force", "--mode=native"}, spec);
  REQUIRE(a.ok());
  CHECK(a->positionals() == std::vector<std::string>{"add", "10.0.0.0/8"});
  CHECK(a->Value("ttl") == "2h");
  CHECK(a->Value("mode") == "native");
  CHECK(a->Has("force"));
  CHECK_FALSE(a->Has("json"));
}

TEST_CASE("unknown or malformed flags are usage errors") {
  FlagSpec spec{{"json"}, {"ttl"}};
  CHECK_FALSE(Args::Parse({"--jsn"}, spec).ok());
  CHECK_FALSE(Args::Parse({"--ttl"}, spec).ok());
  CHECK_FALSE(Args::Parse({"--json=1"}, spec).ok());
  CHECK_FALSE(Args::Parse({"-x"}, spec).ok());
  auto dash = Args::Parse({"load", "-"}, spec);
  REQUIRE(dash.ok());
  CHECK(dash->positionals()[1] == "-");
}

TEST_CASE("counts are strict") {
  CHECK(*ParseCount("n", "1024", 1, 4096) == 1024);
  CHECK_FALSE(ParseCount("n", "0", 1, 4096).ok());
  CHECK_FALSE(ParseCount("n", "4097", 1, 4096).ok());
  CHECK_FALSE(ParseCount("n", "1e3", 1, 4096).ok());
  CHECK_FALSE(ParseCount("n", "-1", 1, 4096).ok());
  CHECK_FALSE(ParseCount("n", "99999999999", 1, 4096).ok());
}

TEST_CASE("a valued flag given twice is refused unless it is repeatable") {
  FlagSpec spec{{}, {"ports", "mac"}, {"mac"}};
  auto twice = Args::Parse({"--ports", "80", "--ports", "443"}, spec);
  REQUIRE_FALSE(twice.ok());
  CHECK(std::string(twice.status().message()) == "--ports given twice: give it once");
  CHECK_FALSE(Args::Parse({"--ports=80", "--ports", "443"}, spec).ok());
  auto macs = Args::Parse({"--mac", "aa:bb:cc:dd:ee:01", "--mac", "aa:bb:cc:dd:ee:02"}, spec);
  REQUIRE(macs.ok());
  CHECK(macs->Values("mac").size() == 2);
}
