// SPDX-License-Identifier: GPL-2.0
// One rule model, two front ends: every case goes through the CLI's flags (block add) and
// the config file's blocklist entry, and both must accept it with the same rule, or both
// refuse it with the same words (each front end names the field its own way).
#include <catch2/catch.hpp>

#include "cli/args.h"
#include "cli/rule_flags.h"
#include "config/config.h"

namespace xdpguard {
namespace {

struct Case {
  const char* what;
  std::vector<std::string> flags;  // after "block add CIDR"
  const char* config;              // the blocklist entry's keys after "cidr"
  const char* error;               // nullptr: accepted; else words both messages contain
};

const cli::FlagSpec kSpec{{"monitor", "new-only", "force", "replace", "json"},
                          {"action", "ttl", "comment", "pps", "burst", "bps", "per", "ports"}};

absl::StatusOr<lists::ParsedRule> FromCli(const Case& c) {
  std::vector<std::string> argv = {"add", "192.0.2.0/24"};
  argv.insert(argv.end(), c.flags.begin(), c.flags.end());
  absl::StatusOr<cli::Args> args = cli::Args::Parse(argv, kSpec);
  if (!args.ok()) return args.status();
  return cli::RuleFromFlags(*args);
}

absl::StatusOr<config::StaticBlockEntry> FromConfig(const Case& c) {
  absl::StatusOr<config::Config> cfg = config::ParseConfig(
      std::string(R"({"blocklist": [{"cidr": "192.0.2.0/24")") + c.config + "}]}", "t.json");
  if (!cfg.ok()) return cfg.status();
  return cfg->blocklist.at(0);
}

}  // namespace

TEST_CASE("rule options: the CLI and the config accept and refuse alike") {
  const std::vector<Case> cases = {
      {"default drop", {}, "", nullptr},
      {"pass", {"--action", "pass"}, R"(, "action": "pass")", nullptr},
      {"monitor", {"--action", "monitor"}, R"(, "action": "monitor")", nullptr},
      {"rate limit, all fields", {"--action", "ratelimit", "--pps", "50", "--burst", "100", "--bps", "64", "--per", "rule"},
       R"(, "action": "ratelimit", "ratelimit": {"pps": 50, "burst": 100, "bps": 64, "per": "rule"})", nullptr},
      {"ports and new-only", {"--ports", "80,443", "--new-only"}, R"(, "ports": [80, 443], "new_only": true)", nullptr},
      {"comment", {"--comment", "crawler fleet"}, R"(, "comment": "crawler fleet")", nullptr},
      {"unknown action", {"--action", "block"}, R"(, "action": "block")",
       R"(expected "drop", "ratelimit", "pass" or "monitor", found "block")"},
      {"limit without ratelimit", {"--pps", "5"}, R"(, "ratelimit": {"pps": 5})", R"(only valid with action "ratelimit")"},
      {"ratelimit without pps", {"--action", "ratelimit"}, R"(, "action": "ratelimit", "ratelimit": {})",
       R"(missing: action "ratelimit" needs pps)"},
      {"pps 0", {"--action", "ratelimit", "--pps", "0"}, R"(, "action": "ratelimit", "ratelimit": {"pps": 0})",
       "pps: expected a whole number from 1 to 100000000, found '0'"},
      {"pps too large", {"--action", "ratelimit", "--pps", "100000001"},
       R"(, "action": "ratelimit", "ratelimit": {"pps": 100000001})", "pps: expected a whole number from 1 to 100000000"},
      {"burst 0", {"--action", "ratelimit", "--pps", "5", "--burst", "0"},
       R"(, "action": "ratelimit", "ratelimit": {"pps": 5, "burst": 0})", "burst: expected a whole number from 1 to"},
      {"bps below a frame", {"--action", "ratelimit", "--pps", "5", "--bps", "63"},
       R"(, "action": "ratelimit", "ratelimit": {"pps": 5, "bps": 63})", "bps: expected a whole number from 64 to 10000000000"},
      {"per flow", {"--action", "ratelimit", "--pps", "5", "--per", "flow"},
       R"(, "action": "ratelimit", "ratelimit": {"pps": 5, "per": "flow"})", R"(per: expected "source" or "rule", found "flow")"},
      {"port twice", {"--ports", "80,80"}, R"(, "ports": [80, 80])", "ports: 80 is listed twice"},
      {"port 0", {"--ports", "0"}, R"(, "ports": [0])", "ports: '0' is not a port number from 1 to 65535"},
      {"port with a leading zero", {"--ports", "080"}, R"(, "ports": ["080"])", "is not a port number from 1 to 65535"},
      {"no ports", {"--ports", ""}, R"(, "ports": [])", "ports: expected 1 to 8 ports, found none"},
      {"nine ports", {"--ports", "1,2,3,4,5,6,7,8,9"}, R"(, "ports": [1,2,3,4,5,6,7,8,9])", "ports: at most 8 ports per rule, found 9"},
      {"comment with control characters", {"--comment", "x\x1b[2J"}, R"(, "comment": "x\u001b[2J")",
       "comment: contains a control character (\\x1b)"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    absl::StatusOr<lists::ParsedRule> cli_rule = FromCli(c);
    absl::StatusOr<config::StaticBlockEntry> cfg_rule = FromConfig(c);
    if (!c.error) {
      INFO(cli_rule.status().ToString() << " / " << cfg_rule.status().ToString());
      REQUIRE(cli_rule.ok());
      REQUIRE(cfg_rule.ok());
      const lists::RuleOptions &a = cli_rule->options, &b = cfg_rule->rule;
      CHECK(a.action == b.action);
      CHECK(a.monitor == b.monitor);
      CHECK(a.pps == b.pps);
      CHECK(a.burst == b.burst);
      CHECK(a.bps == b.bps);
      CHECK(a.per == b.per);
      CHECK(a.ports == b.ports);
      CHECK(a.new_only == b.new_only);
      CHECK(cli_rule->comment == cfg_rule->comment);
      continue;
    }
    REQUIRE_FALSE(cli_rule.ok());
    REQUIRE_FALSE(cfg_rule.ok());
    const std::string cli_msg(cli_rule.status().message()), cfg_msg(cfg_rule.status().message());
    INFO("cli: " << cli_msg << "\nconfig: " << cfg_msg);
    CHECK(cli_msg.find(c.error) != std::string::npos);
    CHECK(cfg_msg.find(c.error) != std::string::npos);
  }
}

TEST_CASE("rule options: the config reports the JSON path, the CLI the flag") {
  Case c{"", {"--action", "ratelimit", "--pps", "0"}, R"(, "action": "ratelimit", "ratelimit": {"pps": 0})", ""};
  CHECK(std::string(FromCli(c).status().message()).rfind("--pps: ", 0) == 0);
  CHECK(std::string(FromConfig(c).status().message()).find("blocklist[0].ratelimit.pps: ") != std::string::npos);
}

TEST_CASE("rule options: a feed cannot pass-list") {
  absl::StatusOr<config::Config> cfg = config::ParseConfig(
      R"({"feeds": [{"name": "a", "format": "plain", "path": "/x", "action": "pass"}]})", "t.json");
  REQUIRE_FALSE(cfg.ok());
  CHECK(std::string(cfg.status().message()).find(R"(feeds[0].action: expected "drop", "ratelimit" or "monitor")") !=
        std::string::npos);
}

TEST_CASE("config: a bare CIDR in the blocklist is shorthand for the default rule") {
  absl::StatusOr<config::Config> cfg =
      config::ParseConfig(R"({"blocklist": ["203.0.113.0/24", {"cidr": "198.51.100.0/24"}]})", "t.json");
  REQUIRE(cfg.ok());
  REQUIRE(cfg->blocklist.size() == 2);
  CHECK(cfg->blocklist[0].cidr.ToString() == "203.0.113.0/24");
  CHECK(cfg->blocklist[0].rule.action == XG_ACTION_DROP);
  absl::StatusOr<config::Config> twice =
      config::ParseConfig(R"({"blocklist": ["203.0.113.0/24", {"cidr": "203.0.113.0/24"}]})", "t.json");
  CHECK_FALSE(twice.ok());
  CHECK_FALSE(config::ParseConfig(R"({"blocklist": ["not-a-cidr"]})", "t.json").ok());
}

}  // namespace xdpguard
