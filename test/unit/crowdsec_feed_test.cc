// SPDX-License-Identifier: GPL-2.0
// The "crowdsec" feed format end to end on in-memory maps with a scripted Local API: a
// full pull, then deltas; decision types to rules; decision ends as datapath deadlines;
// skipped scopes counted; every failure (401, 5xx, HTML, a cut body, a stream that
// deletes everything) keeps the enforced set and makes the next pull a full one; a
// restart enforces the cached decisions before its first pull; ended decisions leave.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "config/config.h"
#include "feed_harness.h"
#include "feeds/crowdsec_feed.h"
#include "feeds/feed_engine.h"
#include "lists/manual_rules.h"
#include "temp_dir.h"

namespace xdpguard::feeds {
namespace {

using test::Maps;
using test::Server;
using test::TempDir;

net::Cidr C(const char* s) { return net::ParseCidr(s).value().cidr; }
absl::StatusOr<std::vector<net::Cidr>> NoLocalAddresses() { return std::vector<net::Cidr>{}; }

std::string D(int id, const std::string& value, const std::string& scope, const std::string& type = "ban",
              const std::string& duration = "3h59m58.5s") {
  return "{\"id\":" + std::to_string(id) + ",\"value\":\"" + value + "\",\"scope\":\"" + scope +
         "\",\"type\":\"" + type + "\",\"duration\":\"" + duration + "\",\"origin\":\"cscli\"," +
         "\"scenario\":\"manual 'ban' from 'host'\",\"simulated\":false}";
}
std::string Stream(const std::vector<std::string>& added, const std::vector<std::string>& deleted = {}) {
  auto list = [](const std::vector<std::string>& v) {
    if (v.empty()) return std::string("null");
    std::string out = "[";
    for (size_t i = 0; i < v.size(); i++) out += (i ? "," : "") + v[i];
    return out + "]";
  };
  return "{\"new\":" + list(added) + ",\"deleted\":" + list(deleted) + "}";
}

config::Config CrowdsecConfig(const std::string& state_dir) {
  setenv("XG_TEST_CROWDSEC_KEY", "bouncer-key-0123456789", 1);
  return config::ParseConfig(R"({"state_dir":")" + state_dir + R"(","feeds":[{"name":"crowdsec",
      "format":"crowdsec","url":"http://127.0.0.1:8080/","api_key_env":"XG_TEST_CROWDSEC_KEY",
      "interval":"1s","types":{"throttle":{"action":"ratelimit","pps":10}}}]})", "t.json").value();
}

// A pull now, as `feeds refresh` does it: our own backoff after a failure is skipped.
RefreshOptions Now() {
  RefreshOptions o;
  o.ignore_backoff = true;
  return o;
}

absl::StatusOr<ApplySummary> Pull(FeedEngine& e, Maps& m, const std::vector<net::Cidr>& allowlist = {}) {
  if (absl::Status s = e.Collect(Now()); !s.ok()) return s;
  return e.Apply(&m.table, allowlist);
}

}  // namespace

TEST_CASE("crowdsec feed: stream URL, groups by type and rounded deadline, bounded labels") {
  const std::string scopes = "scopes=ip,range,country,as,username,session";
  CHECK(CrowdsecStreamUrl("http://127.0.0.1:8080", true) ==
        "http://127.0.0.1:8080/v1/decisions/stream?startup=true&" + scopes);
  CHECK(CrowdsecStreamUrl("http://127.0.0.1:8080/", false) == "http://127.0.0.1:8080/v1/decisions/stream?" + scopes);
  CHECK(CrowdsecStreamUrl("https://lapi:8080/v1/decisions/stream", false) ==
        "https://lapi:8080/v1/decisions/stream?" + scopes);

  lists::RuleOptions drop, throttle;
  throttle.action = XG_ACTION_RATELIMIT;
  throttle.pps = 10;
  std::vector<ActiveDecision> active = {{C("192.0.2.1/32"), "ban", 1000, ""},
                                        {C("192.0.2.2/32"), "ban", 1019, ""},
                                        {C("192.0.2.3/32"), "ban", 1021, ""},
                                        {C("192.0.2.3/32"), "throttle", 1021, ""},
                                        {C("192.0.2.4/32"), "custom", 100, ""}};
  std::vector<DecisionGroup> g = GroupDecisions(active, {{"throttle", throttle}}, drop);
  REQUIRE(g.size() == 4);
  CHECK(g[0].type == "ban");
  CHECK(g[0].deadline_unix_s == 1020);  // 1000 and 1019 share the minute that ends at 1020
  CHECK(g[0].cidrs == std::vector<net::Cidr>{C("192.0.2.1/32"), C("192.0.2.2/32")});
  CHECK(g[1].deadline_unix_s == 1080);
  CHECK(g[2].type == "custom");
  CHECK(g[2].rule.action == XG_ACTION_DROP);  // unconfigured types take the feed's rule
  CHECK(g[3].rule.action == XG_ACTION_RATELIMIT);

  CHECK(ScopeLabel("Ip") == "ip");
  CHECK(ScopeLabel("COUNTRY") == "country");
  CHECK(ScopeLabel("made-up scope") == "other");
  CHECK(TypeLabel("captcha", {}) == "captcha");
  CHECK(TypeLabel("mine", {{"mine", drop}}) == "mine");
  CHECK(TypeLabel("anything else", {}) == "other");
}

TEST_CASE("crowdsec feed: config validation") {
  auto error = [](const std::string& feed) {
    absl::StatusOr<config::Config> c = config::ParseConfig(R"({"feeds":[)" + feed + "]}", "t.json");
    return c.ok() ? std::string() : std::string(c.status().message());
  };
  CHECK_THAT(error(R"({"name":"cs","format":"crowdsec","url":"http://127.0.0.1:8080"})"),
             Catch::Contains("feeds[0].api_key_file: missing"));
  CHECK_THAT(error(R"({"name":"cs","format":"crowdsec","url":"http://x/v1/decisions/stream?startup=true","api_key_env":"K"})"),
             Catch::Contains("without a query"));
  CHECK_THAT(error(R"({"name":"cs","format":"plain","url":"http://x/","types":{"ban":{}}})"),
             Catch::Contains("feeds[0].types: only valid with format \"crowdsec\""));
  CHECK_THAT(error(R"({"name":"cs","format":"crowdsec","url":"http://x","api_key_env":"K","types":{"throttle":{"action":"ratelimit"}}})"),
             Catch::Contains("feeds[0].types.throttle"));
  CHECK_THAT(error(R"({"name":"cs","format":"crowdsec","url":"http://x","api_key_env":"K","types":{"throttle":3}})"),
             Catch::Contains("expected a rule"));
  CHECK_THAT(error(R"({"name":"cs","format":"plain","url":"http://x/","interval":"1s"})"),
             Catch::Contains("feeds[0].interval"));
  absl::StatusOr<config::Config> ok = config::ParseConfig(
      R"({"feeds":[{"name":"cs","format":"crowdsec","url":"http://x","api_key_file":"/k",
         "types":{"throttle":{"action":"ratelimit","pps":10,"burst":20},"captcha":{"ratelimit":{"pps":5}, "action":"ratelimit"}}}]})",
      "t.json");
  REQUIRE(ok.ok());
  CHECK(ok->feeds[0].interval_s == 10);  // the default for a stream
  CHECK(ok->feeds[0].decision_types.at("throttle").pps == 10);
  CHECK(ok->feeds[0].decision_types.at("throttle").burst == 20);
  CHECK(ok->feeds[0].decision_types.at("captcha").pps == 5);
}

TEST_CASE("crowdsec feed: a full pull, then deltas, types become rules and ends deadlines") {
  TempDir dir;
  Server server;
  Maps m;
  FeedEngine e(CrowdsecConfig(dir.path), server.Fn(), NoLocalAddresses);
  REQUIRE(e.Init().ok());
  server.Reply(200, Stream({D(1, "203.0.113.7", "Ip"), D(2, "198.51.100.0/24", "Range"),
                            D(3, "2001:db8::1", "Ip"), D(4, "203.0.113.9", "Ip", "throttle"),
                            D(5, "FR", "Country"), D(6, "AS1234", "AS"), D(7, "bogus", "Ip")}));
  auto sum = Pull(e, m);
  REQUIRE(sum.ok());
  CHECK(server.last.url == "http://127.0.0.1:8080/v1/decisions/stream?startup=true&scopes=ip,range,country,as,username,session");
  CHECK(server.last.secret_headers == std::vector<std::string>{"X-Api-Key: bouncer-key-0123456789"});
  CHECK(sum->feeds[0].result == "updated");
  CHECK(m.Dump() == std::vector<std::string>{"198.51.100.0/24 o1 a0 f0 p0", "2001:db8::1/128 o1 a0 f0 p0",
                                             "203.0.113.7/32 o1 a0 f0 p0", "203.0.113.9/32 o1 a2 f0 p10"});
  // The datapath deadline: about four hours from now, rounded up to the minute.
  const uint64_t now = lists::MonotonicNowNs();
  // Held in a variable: a range-for over List().value() would iterate a destroyed temporary.
  const auto listed = m.table.List();
  REQUIRE(listed.ok());
  for (const auto& entry : *listed) {
    CHECK(entry.value.expires_ns > now + 3 * 3600 * 1000000000ull);
    CHECK(entry.value.expires_ns < now + 4 * 3600 * 1000000000ull + 61 * 1000000000ull);
  }
  FeedStatus st = e.store().LoadStatus("crowdsec");
  CHECK(st.decisions_by_type == std::map<std::string, uint64_t>{{"ban", 3}, {"throttle", 1}});
  CHECK(st.skipped_by_scope == std::map<std::string, uint64_t>{{"as", 1}, {"country", 1}});
  CHECK(st.decisions_invalid == 1);
  CHECK(StatusToJson(st).dump().find("bouncer-key") == std::string::npos);

  // A delta: one deleted, one new; only the change is written.
  server.Reply(200, Stream({D(8, "192.0.2.10", "Ip")}, {D(1, "203.0.113.7", "Ip")}));
  sum = Pull(e, m);
  REQUIRE(sum.ok());
  CHECK(server.last.url == "http://127.0.0.1:8080/v1/decisions/stream?scopes=ip,range,country,as,username,session");
  CHECK(sum->sync.added == 1);
  CHECK(sum->sync.deleted == 1);
  CHECK(m.Dump() == std::vector<std::string>{"192.0.2.10/32 o1 a0 f0 p0", "198.51.100.0/24 o1 a0 f0 p0",
                                             "2001:db8::1/128 o1 a0 f0 p0", "203.0.113.9/32 o1 a2 f0 p10"});
  // A quiet delta needs no apply at all.
  server.Reply(200, Stream({}));
  REQUIRE(e.Collect(Now()).ok());
  CHECK_FALSE(e.ApplyNeeded(time(nullptr)));
  e.SaveStatuses();
  CHECK(e.store().LoadStatus("crowdsec").last_result == "unchanged");
}

TEST_CASE("crowdsec feed: protected ranges and the allowlist win over decisions") {
  TempDir dir;
  Server server;
  Maps m;
  FeedEngine e(CrowdsecConfig(dir.path), server.Fn(), NoLocalAddresses);
  REQUIRE(e.Init().ok());
  server.Reply(200, Stream({D(1, "10.1.2.3", "Ip"), D(2, "127.0.0.1", "Ip"), D(3, "203.0.113.7", "Ip"),
                            D(4, "198.51.100.5", "Ip")}));
  auto sum = Pull(e, m, {C("198.51.100.0/24")});
  REQUIRE(sum.ok());
  CHECK(m.Dump() == std::vector<std::string>{"203.0.113.7/32 o1 a0 f0 p0"});
  CHECK(e.store().LoadStatus("crowdsec").report.protected_rejected == 3);
}

TEST_CASE("crowdsec feed: every failure keeps the enforced set, and the next pull is a full one") {
  TempDir dir;
  Server server;
  Maps m;
  FeedEngine e(CrowdsecConfig(dir.path), server.Fn(), NoLocalAddresses);
  REQUIRE(e.Init().ok());
  std::vector<std::string> many;
  // Even addresses only: no two are siblings, so aggregation keeps all 200.
  for (int i = 0; i < 200; i++)
    many.push_back(D(100 + i, (i < 100 ? "203.0.113." : "198.51.100.") + std::to_string(2 * (i % 100)), "Ip"));
  server.Reply(200, Stream(many));
  REQUIRE(Pull(e, m).ok());
  const std::vector<std::string> enforced = m.Dump();
  REQUIRE(enforced.size() == 200);

  struct Case {
    const char* what;
    long status;
    std::string body;
    const char* reason;
  };
  std::vector<std::string> all_deleted(many.begin(), many.end());
  const std::vector<Case> cases = {
      {"401", 401, "{\"message\":\"access forbidden\"}", "http"},
      {"403", 403, "{\"message\":\"forbidden\"}", "http"},
      {"500", 500, "oops", "http"},
      {"HTML", 200, "<html><body>proxy login</body></html>", "parse"},
      {"cut", 200, Stream(many).substr(0, 500), "truncated"},
      {"other JSON", 200, "{\"decisions\":[]}", "parse"},
      {"delete all", 200, Stream({}, all_deleted), "shrink"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    // Each case starts from a synced engine, so a delta is what it answers.
    server.Reply(200, Stream({}));
    REQUIRE(e.Collect(Now()).ok());
    CHECK(server.last.url.find("startup") == std::string::npos);
    server.Reply(c.status, c.body);
    auto sum = Pull(e, m);
    REQUIRE(sum.ok());
    CHECK(sum->feeds[0].result == "failed");
    CHECK(e.store().LoadStatus("crowdsec").last_error_reason == c.reason);
    CHECK(m.Dump() == enforced);
    // After a failure the next pull is a full one; it resynchronises.
    server.Reply(200, Stream(many));
    REQUIRE(Pull(e, m).ok());
    CHECK(server.last.url.find("startup=true") != std::string::npos);
    CHECK(m.Dump() == enforced);
  }
  // The Local API down: a transport error keeps everything too.
  server.next = absl::UnavailableError("connection refused");
  REQUIRE(Pull(e, m).ok());
  CHECK(e.store().LoadStatus("crowdsec").last_error_reason == "fetch");
  CHECK(m.Dump() == enforced);
  // A full pull that lost most of a big set is refused like a delta that does.
  server.Reply(200, Stream({D(1, "192.0.2.1", "Ip")}));
  REQUIRE(Pull(e, m).ok());
  CHECK(e.store().LoadStatus("crowdsec").last_error_reason == "shrink");
  CHECK(m.Dump() == enforced);
  // --force accepts it.
  RefreshOptions force;
  force.force = true;
  force.ignore_backoff = true;
  REQUIRE(e.Collect(force).ok());
  REQUIRE(e.Apply(&m.table, {}).ok());
  CHECK(m.Dump() == std::vector<std::string>{"192.0.2.1/32 o1 a0 f0 p0"});
}

TEST_CASE("crowdsec feed: a restart enforces the cached decisions first, and ended decisions leave") {
  TempDir dir;
  Server server;
  Maps m;
  {
    FeedEngine e(CrowdsecConfig(dir.path), server.Fn(), NoLocalAddresses);
    REQUIRE(e.Init().ok());
    server.Reply(200, Stream({D(1, "203.0.113.7", "Ip"), D(2, "203.0.113.8", "Ip", "ban", "3s")}));
    REQUIRE(Pull(e, m).ok());
    CHECK(m.Dump().size() == 2);
  }
  Maps fresh;  // the maps after a reboot: empty
  FeedEngine e(CrowdsecConfig(dir.path), server.Fn(), NoLocalAddresses);
  REQUIRE(e.Init().ok());
  REQUIRE(e.CollectFromCache().ok());
  REQUIRE(e.Apply(&fresh.table, {}).ok());
  CHECK(server.calls == 1);  // enforced without a pull
  CHECK(fresh.Dump().size() == 2);
  sleep(4);  // the three-second decision ends while the Local API is down
  server.next = absl::UnavailableError("connection refused");
  REQUIRE(e.Collect(Now()).ok());
  CHECK(server.last.url.find("startup=true") != std::string::npos);  // a new engine pulls in full
  CHECK(e.ApplyNeeded(time(nullptr)));  // nothing fetched, but a decision ended
  REQUIRE(e.Apply(&fresh.table, {}).ok());
  CHECK(fresh.Dump() == std::vector<std::string>{"203.0.113.7/32 o1 a0 f0 p0"});
}

}  // namespace xdpguard::feeds
