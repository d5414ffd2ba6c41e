// SPDX-License-Identifier: GPL-2.0
// The operator's saved entries on disk: a round trip keeps every field, unchanged content
// is not rewritten, and a damaged file is refused (DataLoss), never half read.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "temp_dir.h"
#include "daemon/saved_entries.h"

using xdpguard::daemon::LoadOperatorEntries;
using xdpguard::daemon::SavedEntry;
using xdpguard::daemon::SaveOperatorEntries;
using xdpguard::net::ParseCidr;

namespace {

using xdpguard::test::TempDir;

std::vector<SavedEntry> Sample() {
  SavedEntry ban;
  ban.cidr = ParseCidr("203.0.113.7")->cidr;
  ban.rule.action = XG_ACTION_DROP;
  ban.rule.origin = XG_ORIGIN_FAIL2BAN;
  ban.rule.prefixlen = 32;
  ban.expires_unix_s = 1900000000;
  ban.comment = "fail2ban sshd";
  SavedEntry limit;
  limit.cidr = ParseCidr("2001:db8::/48")->cidr;
  limit.rule.action = XG_ACTION_RATELIMIT;
  limit.rule.rl_pps = 10;
  limit.rule.rl_burst = 20;
  limit.rule.prefixlen = 48;
  SavedEntry allow;
  allow.cidr = ParseCidr("198.51.100.0/24")->cidr;
  allow.allow = true;
  allow.allow_value.prefixlen = 24;
  return {ban, limit, allow};
}

}  // namespace

TEST_CASE("saved entries: a round trip keeps every field") {
  TempDir dir;
  REQUIRE(SaveOperatorEntries(dir.path, Sample()).ok());
  auto back = LoadOperatorEntries(dir.path);
  REQUIRE(back.ok());
  REQUIRE(back->size() == 3);
  CHECK((*back)[0].cidr == ParseCidr("203.0.113.7")->cidr);
  CHECK((*back)[0].rule.origin == XG_ORIGIN_FAIL2BAN);
  CHECK((*back)[0].expires_unix_s == 1900000000);
  CHECK((*back)[0].comment == "fail2ban sshd");
  CHECK((*back)[1].rule.rl_pps == 10);
  CHECK((*back)[1].cidr.prefixlen == 48);
  CHECK((*back)[2].allow);
  CHECK((*back)[2].allow_value.prefixlen == 24);
}

TEST_CASE("saved entries: nothing saved yet is NotFound, unchanged content is not rewritten") {
  TempDir dir;
  CHECK(absl::IsNotFound(LoadOperatorEntries(dir.path).status()));
  REQUIRE(SaveOperatorEntries(dir.path, Sample()).ok());
  struct stat before {};
  REQUIRE(stat((dir.path + "/operator-entries").c_str(), &before) == 0);
  REQUIRE(SaveOperatorEntries(dir.path, Sample()).ok());
  struct stat after {};
  REQUIRE(stat((dir.path + "/operator-entries").c_str(), &after) == 0);
  CHECK(before.st_ino == after.st_ino);  // an atomic rewrite would be a new inode
}

TEST_CASE("saved entries: a damaged file is refused whole") {
  TempDir dir;
  REQUIRE(SaveOperatorEntries(dir.path, Sample()).ok());
  const std::string path = dir.path + "/operator-entries";
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  bytes[bytes.size() - 3] ^= 0x55;  // a payload byte: the seal's checksum no longer matches
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  CHECK(absl::IsDataLoss(LoadOperatorEntries(dir.path).status()));
  {
    std::ofstream out(path, std::ios::trunc);
    out << "garbage";
  }
  CHECK(absl::IsDataLoss(LoadOperatorEntries(dir.path).status()));
}
