// SPDX-License-Identifier: GPL-2.0
// The feed engine end to end on in-memory maps with a scripted fetcher: the enforced set
// is unchanged by every failure mode and the status says why; 304 and validators; the API
// key stays out of URLs and status; union, removal and manual entries; the last good copy
// survives a restart and a corrupt copy is ignored, never half-loaded.
#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "temp_dir.h"
#include "fake_map.h"
#include "feed_harness.h"
#include "feed_samples.h"
#include "common/sealed_file.h"
#include "config/config.h"
#include "feeds/feed_engine.h"
#include "feeds/scheduler.h"
#include "lists/manual_rules.h"

namespace xdpguard::feeds {
namespace {

using datapath::FakeMap;
using datapath::TestMasks;
using datapath::PrefixTable;
using test::Maps;
using test::Server;

net::Cidr C(const char* s) { return net::ParseCidr(s).value().cidr; }

// Hermetic: the test host's own addresses (this one has 192.0.2.x) must not leak in.
absl::StatusOr<std::vector<net::Cidr>> NoLocalAddresses() { return std::vector<net::Cidr>{}; }
FetchFn NoFetch() {
  return [](const FetchRequest&) -> absl::StatusOr<FetchResponse> { return absl::InternalError("no network in this test"); };
}

using xdpguard::test::TempDir;

config::Config OneFeed(const std::string& state_dir, const std::string& extra = "") {
  return config::ParseConfig(R"({"state_dir":")" + state_dir + R"(","feeds":[{"name":"list",
      "format":"plain","url":"https://feeds.example/list.txt")" + extra + "}]}",
                             "t.json").value();
}

absl::StatusOr<ApplySummary> Refresh(FeedEngine& e, Maps& m, RefreshOptions o = {}) {
  if (absl::Status s = e.Collect(o); !s.ok()) return s;
  return e.Apply(&m.table, {});
}

const char* kList = "198.51.100.0/24\n203.0.113.0/25\n203.0.113.128/25\n2001:db8::/32\n";

}  // namespace

TEST_CASE("engine: a 200 body is applied with the feed's origin and aggregated") {
  TempDir dir;
  Server server;
  Maps m;
  FeedEngine e(OneFeed(dir.path), server.Fn(), NoLocalAddresses);
  REQUIRE(e.Init().ok());
  server.Reply(200, kList, "\"v1\"");
  auto sum = Refresh(e, m);
  REQUIRE(sum.ok());
  CHECK(sum->feeds[0].result == "updated");
  CHECK(sum->sync.added == 3);
  CHECK(m.Dump() == std::vector<std::string>{"198.51.100.0/24 o1 a0 f0 p0", "2001:db8::/32 o1 a0 f0 p0",
                                             "203.0.113.0/24 o1 a0 f0 p0"});
  FeedStatus st = e.store().LoadStatus("list");
  CHECK(st.report.parsed == 4);
  CHECK(st.report.aggregated == 3);
  CHECK(st.applied == 3);
}

TEST_CASE("engine: every failure mode keeps the enforced set byte for byte and says why") {
  TempDir dir;
  Server server;
  Maps m;
  FeedEngine e(OneFeed(dir.path, R"(,"max_bytes":4096)"), server.Fn(), NoLocalAddresses);
  REQUIRE(e.Init().ok());
  server.Reply(200, kList);
  REQUIRE(Refresh(e, m).ok());
  const std::vector<std::string> good = m.Dump();

  struct Mode {
    const char* what;
    std::function<void()> script;
    const char* reason;
    const char* words;
  } modes[] = {
      {"500 HTML", [&] { server.Reply(500, "<html><body>Internal error</body></html>"); }, "http", "HTTP 500 (HTML"},
      {"401 JSON", [&] { server.Reply(401, testing::ReadSample("abuseipdb/error_401_authentication_failed.json")); }, "http", "Authentication failed"},
      {"429", [&] { FetchResponse r; r.http_status = 429; r.retry_after_s = 3600; server.next = r; }, "rate_limited", "retry in 3600"},
      {"503", [&] { FetchResponse r; r.http_status = 503; server.next = r; }, "http", "HTTP 503"},
      {"HTML with 200", [&] { server.Reply(200, "<!DOCTYPE html><title>Just a moment</title>"); }, "parse", "HTML"},
      {"error JSON with 200", [&] { server.Reply(200, testing::ReadSample("abuseipdb/error_429_daily_rate_limit.json")); }, "parse", "error object"},
      {"empty body", [&] { server.Reply(200, ""); }, "parse", "empty"},
      {"all invalid", [&] { server.Reply(200, "bogus\n999.1.1.1\n"); }, "parse", "all 2 entries are invalid"},
      {"shrink", [&] { server.Reply(200, "198.51.100.0/24\n"); }, "shrink", "shrank from 4 to 1"},
      {"timeout", [&] { server.next = absl::DeadlineExceededError("Timeout was reached"); }, "timeout", "Timeout"},
      {"truncated", [&] { server.next = absl::DataLossError("truncated body"); }, "truncated", "truncated"},
      {"oversize", [&] { server.next = absl::ResourceExhaustedError("the body exceeds the feed's cap"); }, "oversize", "cap"},
      {"redirect loop", [&] { server.next = absl::FailedPreconditionError("Number of redirects hit maximum amount"); }, "config", "redirects"},
      {"unreachable", [&] { server.next = absl::UnavailableError("Could not connect"); }, "fetch", "connect"},
  };
  uint64_t failures = 0;
  for (const Mode& mode : modes) {
    INFO(mode.what);
    mode.script();
    RefreshOptions force;
    force.force = false;
    // Failures set a backoff; clear it so each mode really reaches the server.
    FeedStatus st = e.store().LoadStatus("list");
    st.retry_not_before = 0;
    REQUIRE(e.store().SaveStatus(st).ok());
    auto sum = Refresh(e, m, force);
    REQUIRE(sum.ok());
    CHECK(sum->feeds[0].result == "failed");
    CHECK_THAT(sum->feeds[0].error, Catch::Contains(mode.words));
    CHECK(m.Dump() == good);
    FeedStatus after = e.store().LoadStatus("list");
    CHECK(after.last_error_reason == mode.reason);
    CHECK(after.consecutive_failures == ++failures);
    CHECK(after.retry_not_before > 0);
    CHECK(after.errors_total[mode.reason] >= 1);
  }
  // While backing off the server is not asked at all.
  int calls = server.calls;
  auto sum = Refresh(e, m);
  REQUIRE(sum.ok());
  CHECK(sum->feeds[0].result == "backing-off");
  CHECK(server.calls == calls);
  // --force overrides the backoff and the shrink limit.
  server.Reply(200, "198.51.100.0/24\n");
  RefreshOptions force;
  force.force = true;
  sum = Refresh(e, m, force);
  REQUIRE(sum.ok());
  CHECK(sum->feeds[0].result == "updated");
  CHECK(m.Dump() == std::vector<std::string>{"198.51.100.0/24 o1 a0 f0 p0"});
  CHECK(e.store().LoadStatus("list").consecutive_failures == 0);
}

TEST_CASE("engine: 429 honours Retry-After and X-RateLimit-Reset") {
  TempDir dir;
  Server server;
  Maps m;
  FeedEngine e(OneFeed(dir.path), server.Fn(), NoLocalAddresses);
  REQUIRE(e.Init().ok());
  FetchResponse r;
  r.http_status = 429;
  int64_t reset = static_cast<int64_t>(time(nullptr)) + 5 * 3600;
  r.ratelimit_reset_s = reset;
  server.next = r;
  REQUIRE(Refresh(e, m).ok());
  CHECK(e.store().LoadStatus("list").retry_not_before >= reset);
  CHECK(m.Dump().empty());
}

TEST_CASE("engine: 304 keeps the set and validators come from the last good copy") {
  TempDir dir;
  Server server;
  Maps m;
  FeedEngine e(OneFeed(dir.path), server.Fn(), NoLocalAddresses);
  REQUIRE(e.Init().ok());
  server.Reply(200, kList, "\"abc\"");
  REQUIRE(Refresh(e, m).ok());
  CHECK(server.last.etag.empty());
  FetchResponse r;
  r.http_status = 304;
  server.next = r;
  auto sum = Refresh(e, m);
  REQUIRE(sum.ok());
  CHECK(server.last.etag == "\"abc\"");
  CHECK(sum->feeds[0].result == "unchanged");
  CHECK(sum->sync.unchanged == 3);
  CHECK(m.Dump().size() == 3);
}

TEST_CASE("engine: the AbuseIPDB key goes in a header only, never the URL or status") {
  TempDir dir;
  Server server;
  Maps m;
  setenv("XG_TEST_ABUSE_KEY", "s3cr3tkey0123456789", 1);
  config::Config cfg = config::ParseConfig(R"({"state_dir":")" + dir.path + R"(","feeds":[{"name":"abuse",
      "format":"abuseipdb","url":"https://api.abuseipdb.com/api/v2/blacklist","api_key_env":"XG_TEST_ABUSE_KEY",
      "abuseipdb":{"confidence_minimum":90}}]})", "t.json").value();
  FeedEngine e(cfg, server.Fn(), NoLocalAddresses);
  REQUIRE(e.Init().ok());
  server.Reply(200, testing::ReadSample("abuseipdb/blacklist_v2_confidence100_limit10000.json"));
  auto sum = Refresh(e, m);
  REQUIRE(sum.ok());
  CHECK(server.last.url == "https://api.abuseipdb.com/api/v2/blacklist?confidenceMinimum=90");
  // The key is a secret header: only for the configured origin (http_fetch.h).
  CHECK(server.last.secret_headers == std::vector<std::string>{"Key: s3cr3tkey0123456789"});
  for (const std::string& h : server.last.headers) CHECK(h.find("s3cr3t") == std::string::npos);
  CHECK(std::find(server.last.headers.begin(), server.last.headers.end(), "Accept: application/json") !=
        server.last.headers.end());
  CHECK(StatusToJson(e.store().LoadStatus("abuse")).dump().find("s3cr3t") == std::string::npos);
  FeedStatus applied = e.store().LoadStatus("abuse");
  CHECK(applied.report.parsed == 10000);
  const size_t enforced = m.Dump().size();
  CHECK(enforced == applied.report.aggregated);  // adjacent hosts merged
  CHECK(enforced > 9000);
  unsetenv("XG_TEST_ABUSE_KEY");
  server.calls = 0;
  FeedStatus st = e.store().LoadStatus("abuse");
  st.retry_not_before = 0;
  REQUIRE(e.store().SaveStatus(st).ok());
  sum = Refresh(e, m);
  REQUIRE(sum.ok());
  CHECK(server.calls == 0);  // no key, no request
  CHECK_THAT(sum->feeds[0].error, Catch::Contains("XG_TEST_ABUSE_KEY"));
  CHECK(m.Dump().size() == enforced);
}

TEST_CASE("engine: union of feeds, strictest wins, removal keeps what others list, manual untouched") {
  TempDir dir;
  Maps m;
  auto file = [&](const std::string& name, const std::string& body) {
    std::ofstream(dir.path + "/" + name) << body;
    return dir.path + "/" + name;
  };
  std::string a = file("a.txt", "198.51.100.0/24\n192.0.2.0/24\n");
  std::string b = file("b.txt", "198.51.100.0/24\n203.0.113.0/24\n");
  auto cfg_with = [&](bool with_a) {
    std::string feeds = R"({"name":"b","format":"plain","path":")" + b + R"(","action":"ratelimit","ratelimit":{"pps":5}})";
    if (with_a) feeds = R"({"name":"a","format":"plain","path":")" + a + R"("},)" + feeds;
    return config::ParseConfig(R"({"state_dir":")" + dir.path + R"(/state","feeds":[)" + feeds + "]}", "t.json").value();
  };
  // The operator's own entry for a prefix feed b lists too.
  REQUIRE(m.table.Upsert({{C("203.0.113.0/24"), lists::MakeManualRule(C("203.0.113.0/24"), {}, 0, 0)}}).ok());
  {
    FeedEngine e(cfg_with(true), NoFetch(), NoLocalAddresses);
    REQUIRE(e.Init().ok());
    auto sum = Refresh(e, m);
    REQUIRE(sum.ok());
    CHECK(sum->sync.yielded.size() == 1);
    // a (drop, origin 1) wins the shared /24 over b (ratelimit, origin 2).
    CHECK(m.Dump() == std::vector<std::string>{"192.0.2.0/24 o1 a0 f0 p0", "198.51.100.0/24 o1 a0 f0 p0",
                                               "203.0.113.0/24 o0 a0 f0 p0"});
  }
  {
    FeedEngine e(cfg_with(false), NoFetch(), NoLocalAddresses);  // feed a removed from the config
    REQUIRE(e.Init().ok());
    auto sum = Refresh(e, m);
    REQUIRE(sum.ok());
    CHECK(m.Dump() == std::vector<std::string>{"198.51.100.0/24 o2 a2 f0 p5", "203.0.113.0/24 o0 a0 f0 p0"});
    CHECK(sum->sync.deleted == 1);
    CHECK(sum->sync.changed == 1);
    CHECK(e.origins().count("a") == 0);
  }
}

TEST_CASE("engine: restart enforces the last good copy, a corrupt copy is ignored and never half-loaded") {
  TempDir dir;
  Server server;
  {
    Maps m;
    FeedEngine e(OneFeed(dir.path), server.Fn(), NoLocalAddresses);
    REQUIRE(e.Init().ok());
    server.Reply(200, kList);
    REQUIRE(Refresh(e, m).ok());
  }
  {
    Maps fresh;  // a reboot: empty maps, no network
    FeedEngine e(OneFeed(dir.path), server.Fn(), NoLocalAddresses);
    REQUIRE(e.Init().ok());
    REQUIRE(e.CollectFromCache().ok());
    REQUIRE(e.Apply(&fresh.table, {}).ok());
    CHECK(fresh.Dump().size() == 3);
  }
  // Flip one payload byte: the checksum catches it.
  std::string cache = dir.path + "/feeds/list.cache";
  {
    std::fstream f(cache, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-3, std::ios::end);
    f.put('\x7f');
  }
  CHECK(absl::IsDataLoss(FeedStateStore(dir.path).LoadCache("list").status()));
  Maps m;
  FeedEngine e(OneFeed(dir.path), server.Fn(), NoLocalAddresses);
  REQUIRE(e.Init().ok());
  REQUIRE(e.CollectFromCache().ok());
  REQUIRE(e.Apply(&m.table, {}).ok());
  CHECK(m.Dump().empty());  // nothing half-loaded
}

TEST_CASE("state files: fields of the wrong type are refused or defaulted, never a crash") {
  // Found by fuzz_state_files: a sealed cache whose header says "entries":"s" threw out of
  // json::value() and ended the process (a service restart loop on a damaged state dir).
  TempDir dir;
  FeedStateStore store(dir.path);
  REQUIRE(store.Init().ok());
  REQUIRE(WriteSealedFile(store.CachePath("f"), "feed-cache", {{"entries", "s"}, {"feed", "f"}}, "").ok());
  CHECK(absl::IsDataLoss(store.LoadCache("f").status()));
  // A huge count must not wrap into a match with the payload size.
  REQUIRE(WriteSealedFile(store.CachePath("f"), "feed-cache",
                          {{"entries", 1024819115206086201ull}, {"feed", "f"}}, std::string(18, 'x')).ok());
  CHECK(absl::IsDataLoss(store.LoadCache("f").status()));
  // A seal with fields of the wrong type is a corrupt file.
  std::ofstream(store.CachePath("f"), std::ios::trunc)
      << R"({"seal":{"kind":1,"version":"x","bytes":-1,"crc32":"y"}})" << "\npayload";
  CHECK(absl::IsDataLoss(store.LoadCache("f").status()));
  // A status file with wrong types keeps what it can and defaults the rest.
  std::ofstream(dir.path + "/feeds/f.status", std::ios::trunc)
      << R"({"http_status":"x","last_result":7,"errors_total":{"http":"many"},"consecutive_failures":3})";
  FeedStatus st = store.LoadStatus("f");
  CHECK(st.http_status == 0);
  CHECK(st.last_result.empty());
  CHECK(st.errors_total.empty());
  CHECK(st.consecutive_failures == 3);
}

TEST_CASE("engine: a restart on the same maps rewrites nothing, and a success clears the last error") {
  TempDir dir;
  Server server;
  Maps m;
  {
    FeedEngine e(OneFeed(dir.path), server.Fn(), NoLocalAddresses);
    REQUIRE(e.Init().ok());
    server.Reply(500, "down");
    REQUIRE(Refresh(e, m).ok());
    CHECK(e.store().LoadStatus("list").last_error_reason == "http");
    server.Reply(200, kList);
    RefreshOptions now;
    now.ignore_backoff = true;  // an explicit refresh, past the backoff the 500 started
    REQUIRE(Refresh(e, m, now).ok());
    const FeedStatus ok = e.store().LoadStatus("list");
    CHECK(ok.last_result == "updated");
    CHECK(ok.last_error_reason.empty());  // used to keep "http" after the success
    CHECK(ok.last_error.empty());
    CHECK(ok.errors_total.at("http") == 1);  // the history stays
  }
  // The service restarts: it re-applies the cached copy, resyncing against the maps
  // (daemon/feed_runner.cc). Every entry is already there as wanted: nothing is written.
  FeedEngine e(OneFeed(dir.path), server.Fn(), NoLocalAddresses);
  REQUIRE(e.Init().ok());
  REQUIRE(e.CollectFromCache().ok());
  absl::StatusOr<ApplySummary> again = e.Apply(&m.table, {}, /*resync=*/true);
  REQUIRE(again.ok());
  CHECK(again->sync.added == 0);
  CHECK(again->sync.changed == 0);  // was every entry ("501 changed" for an unchanged feed)
  CHECK(again->sync.deleted == 0);
  CHECK(again->sync.unchanged == 3);
}

TEST_CASE("engine: a long-lived engine keeps its state in memory and reads again after another writer") {
  TempDir dir;
  Server server;
  // With the list generation every write renews: the engine's proof that nobody else wrote.
  FakeMap v4{"xg_block_v4", sizeof(xg_lpm_v4_key), sizeof(xg_rule), 1000};
  FakeMap v6{"xg_block_v6", sizeof(xg_lpm_v6_key), sizeof(xg_rule), 1000};
  FakeMap gen{"xg_list_gen", sizeof(uint32_t), sizeof(uint64_t), 1};
  PrefixTable<xg_rule> table = *PrefixTable<xg_rule>::Create(&v4, &v6, TestMasks(), &gen);
  auto dump = [&] {
    std::vector<std::string> out;
    const std::vector<PrefixTable<xg_rule>::Entry> entries = table.List().value();
    for (const auto& e : entries) out.push_back(e.cidr.ToString() + " o" + std::to_string(e.value.origin));
    std::sort(out.begin(), out.end());
    return out;
  };
  FeedEngine service(OneFeed(dir.path), server.Fn(), NoLocalAddresses);
  service.KeepStateInMemory();
  REQUIRE(service.Init().ok());
  RefreshOptions now;
  now.ignore_backoff = true;
  auto refresh = [&](FeedEngine& e) {
    REQUIRE(e.Collect(now).ok());
    absl::StatusOr<ApplySummary> s = e.Apply(&table, {});
    REQUIRE(s.ok());
    return *s;
  };
  server.Reply(200, kList);
  CHECK(refresh(service).sync.added == 3);
  // The applied set stays in memory: no file is written for it.
  CHECK(access((dir.path + "/applied.set").c_str(), F_OK) != 0);
  const std::vector<std::string> v1 = dump();

  // The operator takes a feed prefix and deletes it. The engine's memory says the feed's
  // entry is in place; the generation says someone wrote, so the engine reads the maps
  // and restores it on the next refresh (same body: nothing re-parsed).
  REQUIRE(table.Upsert({{C("198.51.100.0/24"), lists::MakeManualRule(C("198.51.100.0/24"), {}, 0, 0)}}).ok());
  REQUIRE(table.Delete({C("198.51.100.0/24")}).ok());
  ApplySummary restored = refresh(service);
  CHECK(restored.feeds[0].result == "unchanged");
  CHECK(restored.sync.added == 1);
  CHECK(dump() == v1);
  // Nobody wrote since: memory is trusted, nothing to do.
  CHECK(refresh(service).sync.unchanged == 3);

  // A `feeds refresh` by hand (another process, another engine) fetches a new list and
  // rewrites the cache file. The service then gets a 304: it must enforce the copy on
  // disk, not the older one it remembers.
  {
    FeedEngine by_hand(OneFeed(dir.path), server.Fn(), NoLocalAddresses);
    REQUIRE(by_hand.Init().ok());
    server.Reply(200, std::string(kList) + "192.0.2.0/24\n");
    REQUIRE(by_hand.Collect(now).ok());
    REQUIRE(by_hand.Apply(&table, {}).ok());
  }
  std::vector<std::string> v2 = v1;
  v2.insert(v2.begin(), "192.0.2.0/24 o1");
  CHECK(dump() == v2);
  server.Reply(304, "");
  ApplySummary after = refresh(service);
  CHECK(after.feeds[0].result == "unchanged");
  CHECK(after.sync.deleted == 0);
  CHECK(dump() == v2);
}

TEST_CASE("engine: spamhaus text without its usual EOF line is a truncated download") {
  TempDir dir;
  Server server;
  Maps m;
  config::Config cfg = config::ParseConfig(R"({"state_dir":")" + dir.path +
                                               R"(","feeds":[{"name":"drop","format":"spamhaus-drop","url":"https://x/drop.txt"}]})",
                                           "t.json").value();
  FeedEngine e(cfg, server.Fn(), NoLocalAddresses);
  REQUIRE(e.Init().ok());
  std::string body = testing::ReadSample("spamhaus/drop_2025-01-17.txt");
  server.Reply(200, body);
  REQUIRE(Refresh(e, m).ok());
  std::vector<std::string> good = m.Dump();
  server.Reply(200, body.substr(0, body.rfind("; EOF")));
  auto sum = Refresh(e, m);
  REQUIRE(sum.ok());
  CHECK(sum->feeds[0].result == "failed");
  CHECK(e.store().LoadStatus("drop").last_error_reason == "truncated");
  CHECK(m.Dump() == good);
}

TEST_CASE("backoff grows exponentially, is capped by the interval and jittered") {
  CHECK(BackoffSeconds(1, 3600, 0.5) == 60);
  CHECK(BackoffSeconds(3, 3600, 0.5) == 240);
  CHECK(BackoffSeconds(20, 3600, 0.5) == 3600);
  CHECK(BackoffSeconds(1, 3600, 0.0) == 48);
  CHECK(BackoffSeconds(1, 3600, 1.0) == 72);
  // A CrowdSec stream polled every 10 s: 10, 20, 40, then a minute.
  CHECK(BackoffSeconds(1, 10, 0.5, 10) == 10);
  CHECK(BackoffSeconds(3, 10, 0.5, 10) == 40);
  CHECK(BackoffSeconds(9, 10, 0.5, 10) == 60);
}

}  // namespace xdpguard::feeds

namespace xdpguard::feeds {

TEST_CASE("scheduler: due times on the monotonic clock from status and outcomes") {
  using Clock = FeedScheduler::Clock;
  const Clock::time_point t0 = Clock::now();
  const int64_t now_unix = 1'800'000'000;
  FeedScheduler s;
  FeedStatus never;
  FeedStatus recent;
  recent.last_attempt = now_unix - 600;  // 10 minutes ago, interval 1 h
  FeedStatus waiting;
  waiting.last_attempt = now_unix - 10;
  waiting.consecutive_failures = 2;
  waiting.retry_not_before = now_unix + 120;
  FeedStatus skewed;
  skewed.last_attempt = now_unix + 30 * 86400;  // wall clock was wrong when it ran
  s.Seed("never", never, 3600, now_unix, t0);
  s.Seed("recent", recent, 3600, now_unix, t0);
  s.Seed("waiting", waiting, 3600, now_unix, t0);
  s.Seed("skewed", skewed, 3600, now_unix, t0);
  CHECK(s.Due(t0) == std::vector<std::string>{"never"});
  CHECK(*s.Next() == t0);
  CHECK(s.Due(t0 + std::chrono::seconds(120)) == std::vector<std::string>{"never", "waiting"});
  CHECK(s.Due(t0 + std::chrono::seconds(3000)) == std::vector<std::string>{"never", "recent", "waiting"});
  CHECK(s.Due(t0 + std::chrono::seconds(3600)).size() == 4);  // capped at one interval
  FeedStatus ok;
  ok.last_attempt = now_unix;
  s.Done("never", ok, 3600, now_unix, t0);
  CHECK(s.Due(t0 + std::chrono::seconds(3599)) == std::vector<std::string>{"recent", "waiting"});
}

}  // namespace xdpguard::feeds
