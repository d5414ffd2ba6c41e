// SPDX-License-Identifier: GPL-2.0
// The CrowdSec decision stream: Go durations, the body's shapes (null lists, HTML, cut
// short), scopes enforced and skipped, the decision set's full pulls, deltas, expiry, the
// guard against a stream that deletes everything, and its saved form.
#include <catch2/catch.hpp>

#include "feeds/crowdsec_stream.h"

using namespace xdpguard::feeds;
using xdpguard::net::ParseCidr;

namespace {

std::string DecisionJson(int id, const char* value, const char* scope = "Ip", const char* type = "ban",
                     const char* duration = "3h59m59.78s") {
  return std::string("{\"id\":") + std::to_string(id) + ",\"value\":\"" + value + "\",\"scope\":\"" +
         scope + "\",\"type\":\"" + type + "\",\"duration\":\"" + duration +
         "\",\"origin\":\"cscli\",\"scenario\":\"manual\"}";
}

DecisionBatch Parse(const std::string& body) {
  auto b = ParseDecisionStream(body);
  REQUIRE(b.ok());
  return *b;
}

}  // namespace

TEST_CASE("crowdsec: Go durations") {
  CHECK(*ParseGoDuration("59m59.78s") == Approx(3599.78));
  CHECK(*ParseGoDuration("4h") == 14400);
  CHECK(*ParseGoDuration("1h2m3.5s") == Approx(3723.5));
  CHECK(*ParseGoDuration("300ms") == Approx(0.3));
  CHECK(*ParseGoDuration("-2s") == -2);
  CHECK(*ParseGoDuration("0s") == 0);
  CHECK_FALSE(ParseGoDuration("").ok());
  CHECK_FALSE(ParseGoDuration("5").ok());
  CHECK_FALSE(ParseGoDuration("5y").ok());
  CHECK_FALSE(ParseGoDuration("h").ok());
  // Go's limit is int64 nanoseconds (~292 years); beyond it is an error, not an overflow
  // when the TTL becomes whole seconds (found by fuzz_crowdsec_stream under UBSan).
  CHECK(*ParseGoDuration("2562047h") == 2562047.0 * 3600);
  CHECK_FALSE(ParseGoDuration("2562048h").ok());
  CHECK_FALSE(ParseGoDuration(std::string(91, '6') + "s").ok());
  CHECK_FALSE(ParseGoDuration("-" + std::string(91, '6') + "s").ok());
}

TEST_CASE("crowdsec: the stream's shapes") {
  DecisionBatch b = Parse("{\"new\":null,\"deleted\":null}");
  CHECK(b.added.empty());
  CHECK(b.deleted.empty());
  b = Parse("{\"new\":[" + DecisionJson(1, "203.0.113.7") + "," +
            DecisionJson(2, "198.51.100.0/24", "Range") + "," + DecisionJson(3, "2001:db8::/48", "range") + "," +
            DecisionJson(4, "FR", "Country") + "," + DecisionJson(5, "AS1234", "AS") + "," +
            DecisionJson(6, "not-an-ip") + "," + DecisionJson(7, "203.0.113.0/24", "Ip") + "],\"deleted\":[" +
            DecisionJson(9, "192.0.2.1") + "]}");
  REQUIRE(b.added.size() == 3);
  CHECK(b.added[0].cidr == ParseCidr("203.0.113.7")->cidr);
  CHECK(b.added[0].duration_s == Approx(14399.78));
  CHECK(b.added[1].cidr == ParseCidr("198.51.100.0/24")->cidr);
  CHECK(b.added[2].cidr.family == xdpguard::net::Family::kIPv6);
  CHECK(b.skipped_scopes["Country"] == 1);
  CHECK(b.skipped_scopes["AS"] == 1);
  CHECK(b.invalid == 2);  // a bad value, and an "Ip" that is a prefix
  REQUIRE(b.deleted.size() == 1);
  CHECK(b.deleted[0].id == 9);
}

TEST_CASE("crowdsec: HTML, other JSON and a cut body are errors, never an empty set") {
  CHECK(absl::IsInvalidArgument(ParseDecisionStream("<html><body>502 Bad Gateway</body></html>").status()));
  CHECK(absl::IsInvalidArgument(ParseDecisionStream("{\"message\":\"access forbidden\"}").status()));
  CHECK(absl::IsInvalidArgument(ParseDecisionStream("[]").status()));
  CHECK(absl::IsInvalidArgument(ParseDecisionStream("{\"new\":{}}").status()));
  const std::string full = "{\"new\":[" + DecisionJson(1, "203.0.113.7") + "],\"deleted\":null}";
  CHECK(absl::IsDataLoss(ParseDecisionStream(full.substr(0, full.size() / 2)).status()));
}

TEST_CASE("crowdsec: a full pull then deltas, expiry running down, one entry per prefix and type") {
  DecisionSet set;
  set.Replace(Parse("{\"new\":[" + DecisionJson(1, "203.0.113.7", "Ip", "ban", "1h") + "," +
                    DecisionJson(2, "203.0.113.7", "Ip", "ban", "2h") + "," +
                    DecisionJson(3, "203.0.113.8", "Ip", "captcha", "10s") + "," +
                    DecisionJson(4, "203.0.113.9", "Ip", "ban", "-1s") + "],\"deleted\":null}"),
              1000);
  CHECK(set.size() == 3);  // the expired one is not kept
  auto active = set.Active(1000);
  REQUIRE(active.size() == 2);
  CHECK(active[0].cidr == ParseCidr("203.0.113.7")->cidr);
  CHECK(active[0].expires_unix_s == 1000 + 7200);  // the later of the two bans
  CHECK(set.Active(1011).size() == 1);  // the captcha ran out
  REQUIRE(set.Apply(Parse("{\"new\":[" + DecisionJson(5, "2001:db8::1") + "],\"deleted\":[" +
                          DecisionJson(2, "203.0.113.7") + "]}"),
                    1020, 0.5)
              .ok());
  active = set.Active(1020);
  REQUIRE(active.size() == 2);  // ban 1 still covers .7 and the new IPv6 ban (.8's ran out)
  CHECK(active[0].cidr == ParseCidr("203.0.113.7")->cidr);
  CHECK(active[0].expires_unix_s == 1000 + 3600);
  CHECK(active[1].cidr == ParseCidr("2001:db8::1")->cidr);
}

TEST_CASE("crowdsec: a delta that deletes most of a big set is refused, and changes nothing") {
  DecisionSet set;
  std::string added, deleted;
  for (int i = 1; i <= 200; i++) {
    const std::string ip = "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256);
    added += (i > 1 ? "," : "") + DecisionJson(i, ip.c_str());
    if (i <= 150) deleted += (i > 1 ? "," : "") + DecisionJson(i, ip.c_str());
  }
  set.Replace(Parse("{\"new\":[" + added + "],\"deleted\":null}"), 0);
  REQUIRE(set.size() == 200);
  CHECK(absl::IsFailedPrecondition(set.Apply(Parse("{\"new\":null,\"deleted\":[" + deleted + "]}"), 1, 0.5)));
  CHECK(set.size() == 200);
  CHECK(set.Apply(Parse("{\"new\":null,\"deleted\":[" + deleted + "]}"), 1, 0.9).ok());
  CHECK(set.size() == 50);
}

TEST_CASE("crowdsec: the set's saved form round-trips, and garbage is refused") {
  DecisionSet set;
  set.Replace(Parse("{\"new\":[" + DecisionJson(7, "198.51.100.0/24", "Range", "throttle", "5m") + "],\"deleted\":null}"),
              100);
  auto back = DecisionSet::Deserialize(set.Serialize());
  REQUIRE(back.ok());
  auto a = back->Active(100);
  REQUIRE(a.size() == 1);
  CHECK(a[0].type == "throttle");
  CHECK(a[0].expires_unix_s == 400);
  CHECK(a[0].origin == "cscli");
  CHECK_FALSE(DecisionSet::Deserialize("{").ok());
  CHECK_FALSE(DecisionSet::Deserialize("[{\"id\":\"x\"}]").ok());
}
