// SPDX-License-Identifier: GPL-2.0
// Config validation: one row per error path, each with the JSON path and the words the
// operator needs; plus a complete valid config and the committed example.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdlib>

#include "common/sealed_file.h"
#include "config/config.h"

namespace xdpguard::config {
namespace {

std::string ErrorOf(const std::string& text) {
  absl::StatusOr<Config> c = ParseConfig(text, "test.json");
  REQUIRE_FALSE(c.ok());
  CHECK(absl::IsInvalidArgument(c.status()));
  return std::string(c.status().message());
}

std::string Feed(const std::string& extra) {
  return R"({"feeds":[{"name":"f","format":"plain","url":"https://example.org/l.txt")" + extra + "}]}";
}

}  // namespace

TEST_CASE("config: every error names file, JSON path, what was found and expected") {
  struct Row {
    std::string text;
    std::string expected;
  } rows[] = {
      {"{", "test.json: not valid JSON"},
      {"[]", "(top level): expected an object, found an array"},
      {R"({"stat_dir":"/x"})", "stat_dir: unknown key"},
      {R"({"state_dir":"rel"})", "state_dir: expected an absolute path"},
      {R"({"state_dir":5})", "state_dir: expected a string, found the number 5"},
      {R"({"feeds":{}})", "feeds: expected an array, found an object"},
      {R"({"feeds":[{"format":"plain","url":"https://a/b"}]})", "feeds[0].name: missing"},
      {R"({"feeds":[{"name":"Bad Name","format":"plain","url":"https://a/b"}]})", "feeds[0].name: \"Bad Name\" is not a valid feed name"},
      {R"({"feeds":[{"name":"f","format":"csv","url":"https://a/b"}]})", "feeds[0].format: unknown feed format 'csv'"},
      {R"({"feeds":[{"name":"f","format":"plain"}]})", "feeds[0].url: exactly one of \"url\""},
      {R"({"feeds":[{"name":"f","format":"plain","url":"https://a","path":"/b"}]})", "exactly one of"},
      {R"({"feeds":[{"name":"f","format":"plain","url":"ftp://a/b"}]})", "feeds[0].url: expected an http:// or https:// URL"},
      {R"({"feeds":[{"name":"f","format":"plain","path":"rel.txt"}]})", "feeds[0].path: expected an absolute path"},
      {R"({"feeds":[{"name":"f","format":"abuseipdb","url":"https://api.abuseipdb.com/api/v2/blacklist?key=abc"}]})", "feeds[0].url: contains a key/token query parameter"},
      {R"({"feeds":[{"name":"f","format":"abuseipdb","url":"https://a/b"}]})", "feeds[0].api_key_env: missing"},
      {Feed(R"(,"api_key_env":"K")"), "only the abuseipdb and crowdsec formats send an API key"},
      {R"({"feeds":[{"name":"f","format":"abuseipdb","url":"https://a/b","api_key_env":"K","api_key_file":"/k"}]})", "not both"},
      {R"({"feeds":[{"name":"f","format":"abuseipdb","url":"https://a/b","api_key_env":"K","abuseipdb":{"confidence_minimum":10}}]})", "feeds[0].abuseipdb.confidence_minimum: expected an integer in 25..100, found the number 10"},
      {R"({"feeds":[{"name":"f","format":"abuseipdb","url":"https://a/b","api_key_env":"K","abuseipdb":{"ip_version":5}}]})", "feeds[0].abuseipdb.ip_version: expected 4 or 6"},
      {R"({"feeds":[{"name":"f","format":"abuseipdb","url":"https://a/b","api_key_env":"K","abuseipdb":{"only_countries":["usa"]}}]})", "feeds[0].abuseipdb.only_countries: expected ISO 3166"},
      {R"({"feeds":[{"name":"f","format":"abuseipdb","url":"https://a/b","api_key_env":"K","abuseipdb":{"only_countries":["US"],"except_countries":["CN"]}}]})", "not both"},
      {R"({"feeds":[{"name":"f","format":"abuseipdb","url":"https://a/b","api_key_env":"K","abuseipdb":{"limt":5}}]})", "feeds[0].abuseipdb.limt: unknown key"},
      {Feed(R"(,"abuseipdb":{})"), "feeds[0].abuseipdb: only valid with format \"abuseipdb\""},
      {R"({"feeds":[{"name":"f","format":"aws-ip-ranges","url":"https://a/b"}]})", "aws.services is required"},
      {R"({"feeds":[{"name":"f","format":"aws-ip-ranges","url":"https://a/b","aws":{"services":"EC2"}}]})", "feeds[0].aws.services: expected an array of strings"},
      {Feed(R"(,"plain":{"layout":"tsv"})"), "feeds[0].plain.layout: expected \"list\" or \"dshield\""},
      {Feed(R"(,"interval":"10s")"), "feeds[0].interval: expected a duration between 1m and 7d"},
      {Feed(R"(,"interval":"soon")"), "feeds[0].interval:"},
      {Feed(R"(,"action":"block")"), "feeds[0].action: expected \"drop\", \"ratelimit\" or \"monitor\""},
      {Feed(R"(,"action":"ratelimit")"), "feeds[0].ratelimit: missing"},
      {Feed(R"(,"ratelimit":{"pps":5})"), "feeds[0].ratelimit: only valid with action \"ratelimit\""},
      {Feed(R"(,"action":"ratelimit","ratelimit":{"pps":0})"), "feeds[0].ratelimit.pps: expected a whole number from 1 to 100000000, found '0'"},
      {Feed(R"(,"action":"ratelimit","ratelimit":{"pps":5,"per":"flow"})"), "feeds[0].ratelimit.per: expected \"source\" or \"rule\""},
      {Feed(R"(,"ports":[80,80])"), "feeds[0].ports: 80 is listed twice"},
      {Feed(R"(,"ports":[1,2,3,4,5,6,7,8,9])"), "feeds[0].ports: at most 8 ports per rule, found 9"},
      {Feed(R"(,"new_only":"yes")"), "feeds[0].new_only: expected true or false"},
      {Feed(R"(,"max_shrink":1.5)"), "feeds[0].max_shrink: expected a number in 0..1"},
      {Feed(R"(,"min_prefix_v4":33)"), "feeds[0].min_prefix_v4: expected an integer in 1..32"},
      {Feed(R"(,"max_bytes":10)"), "feeds[0].max_bytes: expected an integer in 1024.."},
      {Feed(R"(,"urll":"x")"), "feeds[0].urll: unknown key"},
      {R"({"feeds":[{"name":"f","format":"plain","url":"https://a/b"},{"name":"f","format":"plain","url":"https://a/c"}]})", "feeds[1].name: duplicate feed name \"f\""},
      {R"({"protect":{"never_block":["10.0.0.300"]}})", "protect.never_block[0]: invalid CIDR"},
      {R"({"protect":{"block_private":1}})", "protect.block_private: expected true or false"},
      {R"({"pin_dir":"/tmp/x"})", "pin_dir: expected a directory under /sys/fs/bpf/"},
      {R"({"maps":{"block_v4_entries":0}})", "maps.block_v4_entries: expected an integer in 1.."},
      {R"({"maps":{"blocks":5}})", "maps.blocks: unknown key"},
      {R"({"interfaces":[{"mode":"native"}]})", "interfaces[0].name: missing"},
      {R"({"interfaces":[{"name":"a-very-long-interface-name"}]})", "interfaces[0].name: \"a-very-long-interface-name\" is not an interface name"},
      {R"({"interfaces":[{"name":"eth0"},{"name":"eth0"}]})", "interfaces[1].name: interface \"eth0\" is listed twice"},
      {R"({"interfaces":[{"name":"eth0","mode":"fast"}]})", "interfaces[0].mode:"},
      {R"({"interfaces":[{"name":"eth0","flows":"some"}]})", "interfaces[0].flows:"},
      {R"({"interfaces":[{"name":"eth0","drop_sample":3}]})", "interfaces[0].drop_sample:"},
      {R"({"allowlist":["10.0.0.1/8"]})", "allowlist[0]: \"10.0.0.1/8\" has host bits set (did you mean 10.0.0.0/8?)"},
      {R"({"allowlist":[5]})", "allowlist[0]: expected a CIDR string, found the number 5"},
      {R"({"blocklist":[{"cidr":"0.0.0.0/1"}]})", "blocklist[0].cidr: refusing 0.0.0.0/1: shorter than /8"},
      {R"({"blocklist":[{"action":"drop"}]})", "blocklist[0].cidr: missing"},
      {R"({"blocklist":[{"cidr":"192.0.2.0/24"},{"cidr":"192.0.2.0/24"}]})", "blocklist[1].cidr: 192.0.2.0/24 is listed twice"},
      {R"({"blocklist":[{"cidr":"192.0.2.0/24","action":"allow"}]})", "blocklist[0].action: expected \"drop\", \"ratelimit\", \"pass\" or \"monitor\""},
      {R"({"blocklist":[{"cidr":"192.0.2.0/24","comment":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}]})", "blocklist[0].comment: longer than 63 bytes"},
      {R"({"guards":[{"interface":"eth0","gateway":"192.0.2.0/24"}]})", "guards[0].gateway: expected an IPv4 or IPv6 address"},
      {R"({"guards":[{"gateway":"192.0.2.1"}]})", "guards[0].interface: missing"},
      {R"({"guards":[{"interface":"eth0","gateway":"192.0.2.1","macs":["00:11:22"]}]})", "guards[0].macs: \"00:11:22\" is not a MAC address"},
      {R"({"metrics":{"listen":"9469"}})", "metrics.listen: expected ADDRESS:PORT"},
      {R"({"metrics":{"listen":"localhost:9469"}})", "metrics.listen: expected ADDRESS:PORT"},
      {R"({"log":{"format":"xml"}})", "log.format: expected \"json\" or \"text\""},
      {R"({"log":{"level":"trace"}})", "log.level: expected debug, info, warn or error"},
  };
  for (const Row& row : rows) {
    INFO(row.text);
    std::string err = ErrorOf(row.text);
    CHECK_THAT(err, Catch::Contains(row.expected));
    CHECK_THAT(err, Catch::StartsWith("test.json"));
  }
}

TEST_CASE("config: all errors of a file are reported together") {
  std::string err = ErrorOf(R"({"feeds":[{"name":"f","format":"csv","url":"x","bogus":1}]})");
  CHECK_THAT(err, Catch::Contains("3 errors"));
  CHECK_THAT(err, Catch::Contains("feeds[0].format"));
  CHECK_THAT(err, Catch::Contains("feeds[0].url"));
  CHECK_THAT(err, Catch::Contains("feeds[0].bogus"));
}

TEST_CASE("config: a complete feed parses with its defaults and request URL") {
  absl::StatusOr<Config> c = ParseConfig(R"({
    "state_dir": "/var/lib/xg",
    "protect": {"block_private": true, "never_block": ["192.0.2.0/24"]},
    "feeds": [
      {"name": "abuse", "format": "abuseipdb", "url": "https://api.abuseipdb.com/api/v2/blacklist",
       "api_key_env": "ABUSEIPDB_KEY",
       "abuseipdb": {"confidence_minimum": 90, "limit": 10000, "ip_version": 4, "only_countries": ["US", "CN"]}},
      {"name": "ec2", "format": "aws-ip-ranges", "url": "https://ip-ranges.amazonaws.com/ip-ranges.json",
       "aws": {"services": ["EC2"], "regions": ["us-east-1"]}, "action": "ratelimit",
       "ratelimit": {"pps": 50, "burst": 100, "per": "rule"}, "ports": [80, 443], "new_only": true,
       "interval": "12h", "max_shrink": 0.2}
    ]})", "x.json");
  REQUIRE(c.ok());
  CHECK(c->state_dir == "/var/lib/xg");
  CHECK(c->protect.block_private);
  REQUIRE(c->feeds.size() == 2);
  const feeds::FeedConfig& a = c->feeds[0];
  CHECK(a.interval_s == 6 * 3600);  // AbuseIPDB default
  CHECK(a.RequestUrl() == "https://api.abuseipdb.com/api/v2/blacklist?confidenceMinimum=90&limit=10000&ipVersion=4&onlyCountries=US,CN");
  CHECK(a.rule.action == XG_ACTION_DROP);
  const feeds::FeedConfig& e = c->feeds[1];
  CHECK(e.rule.action == XG_ACTION_RATELIMIT);
  CHECK(e.rule.pps == 50);
  CHECK(e.rule.per == XG_RL_PER_RULE);
  CHECK(e.rule.ports == std::vector<uint16_t>{80, 443});
  CHECK(e.interval_s == 12 * 3600);
  CHECK(e.max_shrink == Approx(0.2));
  CHECK(e.SourceFingerprint() != a.SourceFingerprint());
}

TEST_CASE("config: the committed example is valid and uses every section") {
  absl::StatusOr<Config> c = LoadConfig(std::string(XG_SOURCE_DIR) + "/scripts/xdpguard.example.json");
  INFO(c.status().ToString());
  REQUIRE(c.ok());
  CHECK_FALSE(c->feeds.empty());
  CHECK_FALSE(c->interfaces.empty());
  CHECK_FALSE(c->allowlist.empty());
  CHECK_FALSE(c->blocklist.empty());
  CHECK_FALSE(c->guards.empty());
  CHECK(c->metrics.listen == "127.0.0.1:9469");
}

TEST_CASE("config: service sections parse with their defaults") {
  absl::StatusOr<Config> c = ParseConfig(R"({
    "interfaces": [{"name": "eth0", "mode": "native", "flows": "matched", "drop_sample": 4}],
    "maps": {"block_v4_entries": 2000000},
    "allowlist": ["198.51.100.53", "2001:db8::/32"],
    "blocklist": [{"cidr": "203.0.113.0/24", "action": "pass", "comment": "count only"}],
    "guards": [{"interface": "eth0", "gateway": "192.0.2.1", "macs": ["00:00:5e:00:01:07"]}],
    "metrics": {"listen": "[::1]:9469"}, "log": {"format": "text", "level": "debug"}})", "x.json");
  INFO(c.status().ToString());
  REQUIRE(c.ok());
  REQUIRE(c->interfaces.size() == 1);
  CHECK(c->interfaces[0].mode == datapath::AttachMode::kNative);
  CHECK(c->interfaces[0].drop_sample_shift == 2);
  CHECK_FALSE(c->interfaces[0].pass_sample_shift.has_value());
  CHECK(c->map_sizes.block_v4 == 2000000);
  CHECK(c->allowlist.size() == 2);
  CHECK(c->blocklist[0].rule.action == XG_ACTION_PASS);
  CHECK(c->guards[0].gateway.ToString() == "192.0.2.1/32");
  CHECK(c->metrics.enabled);
  CHECK_FALSE(c->log.json);
  absl::StatusOr<Config> d = ParseConfig("{}", "empty.json");
  REQUIRE(d.ok());
  CHECK(d->metrics.listen == "127.0.0.1:9469");  // loopback unless the config says otherwise
  CHECK(d->log.json);
}

TEST_CASE("config: numbers too large for any type are refused, never abort") {
  // Each of these used to throw nlohmann's out_of_range.406 past the reader: the CLI and the
  // service died (exit 134), a running service on SIGHUP too.
  for (const char* text : {R"({"maps": {"block_v4_entries": 1e400}})",
                           R"({"maps": {"flow_entries": 1e400}})",
                           R"({"feeds": [{"name": "a", "format": "plain", "path": "/x", "max_shrink": 1e400}]})",
                           R"({"feeds": [{"name": "a", "format": "plain", "path": "/x", "max_shrink": -1e400}]})",
                           R"({"blocklist": [{"cidr": "192.0.2.0/24", "action": "ratelimit", "ratelimit": {"pps": 1e400}}]})",
                           R"({"maps": {"block_v4_entries": 99999999999999999999999999}})"}) {
    INFO(text);
    absl::StatusOr<Config> c;
    REQUIRE_NOTHROW(c = ParseConfig(text, "big.json"));
    REQUIRE_FALSE(c.ok());
    CHECK(absl::IsInvalidArgument(c.status()));
    CHECK(std::string(c.status().message()).find("big.json") != std::string::npos);
  }
}

TEST_CASE("config: a file over the size limit is a usage error (exit 2), not a failure") {
  char tmpl[] = "/tmp/xg-config-big-XXXXXX";
  int fd = mkstemp(tmpl);
  REQUIRE(fd >= 0);
  std::string blob(5u << 20, ' ');
  REQUIRE(write(fd, blob.data(), blob.size()) == static_cast<ssize_t>(blob.size()));
  close(fd);
  absl::StatusOr<Config> c = LoadConfig(tmpl);
  unlink(tmpl);
  REQUIRE_FALSE(c.ok());
  CHECK(absl::IsInvalidArgument(c.status()));
}

TEST_CASE("config: a metrics endpoint off loopback is accepted with a warning") {
  for (const char* listen : {"127.0.0.1:9469", "127.3.0.1:9469", "[::1]:9469"}) {
    absl::StatusOr<Config> c = ParseConfig(std::string(R"({"metrics": {"listen": ")") + listen + R"("}})", "m.json");
    REQUIRE(c.ok());
    CHECK(c->warnings.empty());
  }
  for (const char* listen : {"0.0.0.0:9469", "192.0.2.7:9469", "[::]:9469"}) {
    INFO(listen);
    absl::StatusOr<Config> c = ParseConfig(std::string(R"({"metrics": {"listen": ")") + listen + R"("}})", "m.json");
    REQUIRE(c.ok());
    REQUIRE(c->warnings.size() == 1);
    CHECK(c->warnings[0].find("not a loopback address") != std::string::npos);
  }
}

TEST_CASE("config: values that used to pass check and should not") {
  struct Row {
    const char* text;
    const char* words;
  };
  const Row rows[] = {
      {R"({"pin_dir": "/sys/fs/bpf/a", "state_dir": "/var/lib/x", "pin_dir": "/sys/fs/bpf/b"})",
       "key \"pin_dir\" given twice in one object"},
      {R"({"feeds": [{"name": "a", "name": "b", "format": "plain", "path": "/x"}]})",
       "key \"name\" given twice"},
      {R"({"interfaces": [{"name": "eth0\u0000evil"}]})", "interfaces[0].name: contains a control character (\\x00)"},
      {R"({"state_dir": "/var/lib/x\u0000y"})", "state_dir: contains a control character"},
      {R"({"feeds": [{"name": "a", "format": "plain", "url": "https://example.org/l.txt\r\nX-Injected: 1"}]})",
       "feeds[0].url: contains a control character (\\x0d)"},
      {R"({"feeds": [{"name": "a", "format": "plain", "url": "https://user:pass@example.org/l.txt"}]})",
       "feeds[0].url: contains user:password@"},
      {R"({"pin_dir": "/sys/fs/bpf/../../tmp/x"})", "pin_dir: \"/sys/fs/bpf/../../tmp/x\" has a . or .. component"},
      {R"({"blocklist": [{"cidr": "192.0.2.0/24", "comment": "\u001b[2J\r\nFAKE"}]})",
       "blocklist[0].comment: contains a control character"},
  };
  for (const Row& row : rows) {
    INFO(row.text);
    absl::StatusOr<Config> c = ParseConfig(row.text, "v.json");
    REQUIRE_FALSE(c.ok());
    CHECK(absl::IsInvalidArgument(c.status()));
    CHECK_THAT(std::string(c.status().message()), Catch::Contains(row.words));
  }
  // The same keys in different objects are fine.
  CHECK(ParseConfig(R"({"feeds": [{"name": "a", "format": "plain", "path": "/x"}, {"name": "b", "format": "plain", "path": "/y"}]})",
                    "v.json").ok());
}

}  // namespace xdpguard::config
