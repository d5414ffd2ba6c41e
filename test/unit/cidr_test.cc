// SPDX-License-Identifier: GPL-2.0
// Strict CIDR parsing: what is accepted, how it is normalised, and what is refused.
#include <catch2/catch.hpp>

#include "net/cidr.h"

using xdpguard::net::CheckPrefixFloor;
using xdpguard::net::Family;
using xdpguard::net::ParseCidr;

namespace {
std::string Norm(const std::string& in) {
  auto p = ParseCidr(in);
  REQUIRE(p.ok());
  return p->cidr.ToString();
}
}  // namespace

TEST_CASE("valid IPv4 and IPv6 CIDRs parse and print canonically") {
  CHECK(Norm("10.0.0.0/8") == "10.0.0.0/8");
  CHECK(Norm("192.0.2.1") == "192.0.2.1/32");
  CHECK(Norm("2001:db8::/32") == "2001:db8::/32");
  CHECK(Norm("2001:DB8::1") == "2001:db8::1/128");
  CHECK(Norm("0.0.0.0/0") == "0.0.0.0/0");
  CHECK(Norm("::/0") == "::/0");
  auto p = ParseCidr("2001:db8::/32");
  REQUIRE(p.ok());
  CHECK(p->cidr.family == Family::kIPv6);
  CHECK(p->cidr.prefixlen == 32);
}

TEST_CASE("host bits are masked and reported") {
  auto p = ParseCidr("10.1.2.3/8");
  REQUIRE(p.ok());
  CHECK(p->host_bits_masked);
  CHECK(p->cidr.ToString() == "10.0.0.0/8");
  auto q = ParseCidr("2001:db8:ffff::1/33");
  REQUIRE(q.ok());
  CHECK(q->host_bits_masked);
  CHECK(q->cidr.ToString() == "2001:db8:8000::/33");
  CHECK_FALSE(ParseCidr("10.0.0.0/8")->host_bits_masked);
}

TEST_CASE("IPv4-mapped IPv6 becomes IPv4") {
  auto p = ParseCidr("::ffff:192.0.2.7");
  REQUIRE(p.ok());
  CHECK(p->from_mapped_v4);
  CHECK(p->cidr.family == Family::kIPv4);
  CHECK(p->cidr.ToString() == "192.0.2.7/32");
  CHECK(Norm("::ffff:192.0.2.0/120") == "192.0.2.0/24");
}

TEST_CASE("strict syntax: ambiguous or malformed input is rejected, never guessed") {
  const char* bad[] = {"010.1.1.1",     "1.2.3",          "0x7f.0.0.1",   "256.1.1.1",
                       "10.0.0.0/33",   "::/129",         "10.0.0.0/-1",  "10.0.0.0/",
                       "10.0.0.0/8x",   "10.0.0.0/08",    "10.0.0.0/+8",
                       "10.0.0.0/255.0.0.0", "fe80::1%eth0", "10.0.0.1-10.0.0.9", "",
                       " 10.0.0.1",     "10.0.0.1 ",      "1.2.3.4.5",    "::g",
                       "10.0.0.0//8",   "abc"};
  for (const char* text : bad) {
    INFO(text);
    auto p = ParseCidr(text);
    CHECK_FALSE(p.ok());
    if (!p.ok()) CHECK(absl::IsInvalidArgument(p.status()));
  }
}

TEST_CASE("error messages name the input and the problem") {
  auto p = ParseCidr("fe80::1%eth0");
  REQUIRE_FALSE(p.ok());
  CHECK(std::string(p.status().message()).find("fe80::1%eth0") != std::string::npos);
  CHECK(std::string(p.status().message()).find("zone") != std::string::npos);
  auto q = ParseCidr("10.0.0.0/33");
  CHECK(std::string(q.status().message()).find("exceeds /32") != std::string::npos);
}

TEST_CASE("prefix floor: shorter than /8 (IPv4) or /16 (IPv6) needs force") {
  CHECK(CheckPrefixFloor(ParseCidr("10.0.0.0/8")->cidr, false).ok());
  CHECK_FALSE(CheckPrefixFloor(ParseCidr("10.0.0.0/7")->cidr, false).ok());
  CHECK_FALSE(CheckPrefixFloor(ParseCidr("0.0.0.0/0")->cidr, false).ok());
  CHECK(CheckPrefixFloor(ParseCidr("0.0.0.0/0")->cidr, true).ok());
  CHECK(CheckPrefixFloor(ParseCidr("2001::/16")->cidr, false).ok());
  CHECK_FALSE(CheckPrefixFloor(ParseCidr("2000::/3")->cidr, false).ok());
  CHECK_FALSE(CheckPrefixFloor(ParseCidr("::/0")->cidr, false).ok());
}

TEST_CASE("Contains follows prefix semantics") {
  auto net8 = ParseCidr("10.0.0.0/8")->cidr;
  CHECK(net8.Contains(ParseCidr("10.1.2.3")->cidr));
  CHECK_FALSE(net8.Contains(ParseCidr("11.0.0.1")->cidr));
  CHECK_FALSE(ParseCidr("10.1.0.0/16")->cidr.Contains(net8));
  CHECK_FALSE(net8.Contains(ParseCidr("::a00:1")->cidr));
}
