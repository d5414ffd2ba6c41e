// SPDX-License-Identifier: GPL-2.0
// List files: tolerated formatting, all-or-nothing errors with file:line, bounds.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "net/cidr_list.h"

using xdpguard::net::CidrListOptions;
using xdpguard::net::LoadCidrListFile;
using xdpguard::net::ParseCidrList;

TEST_CASE("comments, blanks, CRLF, BOM, tabs and trailing comments are tolerated") {
  std::string text =
      "\xEF\xBB\xBF# header\r\n10.0.0.0/8\r\n\n  192.0.2.1 \t# host\r\n\t2001:db8::/32\n;\n";
  auto list = ParseCidrList(text.substr(0, text.size() - 2), "t");  // drop the ';' line
  REQUIRE(list.ok());
  REQUIRE(list->entries.size() == 3);
  CHECK(list->entries[0].cidr.ToString() == "10.0.0.0/8");
  CHECK(list->entries[0].line == 2);
  CHECK(list->entries[1].cidr.ToString() == "192.0.2.1/32");
  CHECK(list->entries[1].line == 4);
  CHECK(list->entries[2].cidr.ToString() == "2001:db8::/32");
}

TEST_CASE("one bad line rejects the whole list and names source, line and text") {
  auto list = ParseCidrList("10.0.0.0/8\n010.1.1.1\n192.0.2.0/24\n1.2.3\n", "feed.txt");
  REQUIRE_FALSE(list.ok());
  std::string msg(list.status().message());
  CHECK(msg.find("2 invalid line(s), nothing applied") != std::string::npos);
  CHECK(msg.find("feed.txt:2: '010.1.1.1'") != std::string::npos);
  CHECK(msg.find("feed.txt:4: '1.2.3'") != std::string::npos);
}

TEST_CASE("control bytes in a bad line are escaped in the message") {
  auto list = ParseCidrList(std::string("10.0.0.1\x1b[31m\n", 14), "x");
  REQUIRE_FALSE(list.ok());
  std::string msg(list.status().message());
  CHECK(msg.find("\\x1b") != std::string::npos);
  CHECK(msg.find('\x1b') == std::string::npos);
}

TEST_CASE("duplicates and host-bit variants collapse to one entry with warnings") {
  auto list = ParseCidrList("10.1.2.3/8\n10.0.0.0/8\n10.0.0.0/8\n", "t");
  REQUIRE(list.ok());
  CHECK(list->entries.size() == 1);
  CHECK(list->duplicates == 2);
  REQUIRE_FALSE(list->warnings.empty());
  CHECK(list->warnings[0].find("host bits masked") != std::string::npos);
}

TEST_CASE("duplicates: the first occurrence of each prefix stays, in file order, both families") {
  std::mt19937 rng(3);
  std::string text;
  std::vector<std::string> want;  // a naive model: first occurrences in order
  std::set<std::string> seen;
  for (int i = 0; i < 20000; i++) {
    // Few distinct prefixes, so most lines repeat an earlier one (some only after host
    // bits are masked): IPv4 /32s and /24s, IPv6 /128s and /64s.
    std::string line;
    const unsigned v = rng() % 600;
    if (i % 4 == 3) {
      line = v < 300 ? "2001:db8::" + std::to_string(v) + "/128"
                     : "2001:db8:0:" + std::to_string(v % 300) + "::/64";
    } else {
      line = "10.0." + std::to_string(v % 4) + "." + std::to_string(v % 256) + (v < 300 ? "/32" : "/24");
    }
    text += line + "\n";
    auto p = xdpguard::net::ParseCidr(line);
    REQUIRE(p.ok());
    const std::string canonical = p->cidr.ToString();
    if (seen.insert(canonical).second) want.push_back(canonical);
  }
  CidrListOptions opts;
  opts.force = true;
  auto list = ParseCidrList(text, "t", opts);
  REQUIRE(list.ok());
  std::vector<std::string> got;
  for (const auto& e : list->entries) got.push_back(e.cidr.ToString());
  CHECK(got == want);
  CHECK(static_cast<size_t>(list->duplicates) == 20000 - want.size());
}

TEST_CASE("prefixes below the floor are refused unless forced") {
  CHECK_FALSE(ParseCidrList("0.0.0.0/0\n", "t").ok());
  CidrListOptions force;
  force.force = true;
  CHECK(ParseCidrList("0.0.0.0/0\n", "t", force).ok());
}

TEST_CASE("size and line-length bounds") {
  CidrListOptions small;
  small.max_bytes = 16;
  CHECK_FALSE(ParseCidrList("10.0.0.0/8\n10.0.0.0/8\n", "t", small).ok());
  auto long_line = ParseCidrList(std::string(2000, '1') + "\n", "t");
  REQUIRE_FALSE(long_line.ok());
  CHECK(std::string(long_line.status().message()).find("longer than") != std::string::npos);
}

TEST_CASE("an empty or comment-only list is valid and empty") {
  auto list = ParseCidrList("# nothing\n\n", "t");
  REQUIRE(list.ok());
  CHECK(list->entries.empty());
}

TEST_CASE("files: missing file is NotFound naming the path, a real file loads") {
  auto missing = LoadCidrListFile("/nonexistent/xdpguard-list.txt");
  REQUIRE_FALSE(missing.ok());
  CHECK(absl::IsNotFound(missing.status()));
  CHECK(std::string(missing.status().message()).find("/nonexistent/xdpguard-list.txt") !=
        std::string::npos);
  char path[] = "/tmp/xdpguard-list-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  {
    std::ofstream out(path);
    out << "198.51.100.0/24\n2001:db8::1\n";
  }
  auto list = LoadCidrListFile(path);
  std::remove(path);
  REQUIRE(list.ok());
  CHECK(list->entries.size() == 2);
}
