// SPDX-License-Identifier: GPL-2.0
// Every parser on every real sample (exact counts from samples/README.md or computed
// independently with Python), and generated variants: BOM, CRLF, gzip, truncation, HTML
// with 200, error JSON, bad entries, ranges.
#include <zlib.h>

#include <random>

#include <catch2/catch.hpp>

#include "feed_samples.h"
#include "feeds/body.h"
#include "feeds/parsed_feed.h"
#include "feeds/parsers.h"

namespace xdpguard::feeds {
namespace {

using testing::FamilyCounts;
using testing::ReadSample;

constexpr size_t kCap = 64u << 20;

ParsedFeed MustParse(Format f, const std::string& body, const FormatOptions& o = {}) {
  absl::StatusOr<ParsedFeed> p = ParseFeedBody(f, body, o, kCap);
  INFO(p.status().ToString());
  REQUIRE(p.ok());
  return *p;
}

std::string MustFail(Format f, const std::string& body, const FormatOptions& o = {}) {
  absl::StatusOr<ParsedFeed> p = ParseFeedBody(f, body, o, kCap);
  REQUIRE_FALSE(p.ok());
  return std::string(p.status().message());
}

std::string GzipOf(const std::string& in) {
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&zs, in.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string ToCrlf(const std::string& in) {
  std::string out;
  for (char ch : in) {
    if (ch == '\n') out += '\r';
    out += ch;
  }
  return out;
}

}  // namespace

TEST_CASE("abuseipdb: real JSON and plain-text blacklist bodies") {
  ParsedFeed j = MustParse(Format::kAbuseIpdb,
                           ReadSample("abuseipdb/blacklist_v2_confidence100_limit10000.json"));
  CHECK(FamilyCounts(j) == std::pair<size_t, size_t>{9982, 18});
  CHECK(j.invalid == 0);
  ParsedFeed t = MustParse(Format::kAbuseIpdb, ReadSample("abuseipdb/blacklist_v2_plaintext_raw.txt"));
  CHECK(FamilyCounts(t) == std::pair<size_t, size_t>{9985, 15});
  for (const auto& c : t.cidrs) REQUIRE(c.prefixlen == c.MaxPrefixLen());
}

TEST_CASE("abuseipdb: real 401 and 429 error bodies are failed fetches, in either format") {
  for (const char* f : {"abuseipdb/error_429_daily_rate_limit.json",
                        "abuseipdb/error_401_authentication_failed.json"}) {
    std::string body = ReadSample(f);
    std::string why = MustFail(Format::kAbuseIpdb, body);
    CHECK_THAT(why, Catch::Contains("error object"));
    CHECK_THAT(MustFail(Format::kPlain, body), Catch::Contains("error object"));
  }
  CHECK_THAT(MustFail(Format::kAbuseIpdb, ReadSample("abuseipdb/error_429_daily_rate_limit.json")),
             Catch::Contains("Daily rate limit"));
}

TEST_CASE("abuseipdb: truncated JSON and JSON without data are refused") {
  std::string body = ReadSample("abuseipdb/blacklist_v2_confidence100_limit10000.json");
  CHECK_THAT(MustFail(Format::kAbuseIpdb, body.substr(0, 500000)), Catch::Contains("truncated"));
  CHECK_THAT(MustFail(Format::kAbuseIpdb, R"({"meta":{}})"), Catch::Contains("no \"data\""));
  CHECK_THAT(MustFail(Format::kAbuseIpdb, R"({"data":[{"x":1}]})"), Catch::Contains("invalid"));
}

TEST_CASE("plain: FireHOL netsets and ipsets with their Entries header") {
  struct Case {
    const char* file;
    size_t count;
  } cases[] = {{"firehol/firehol_level1.netset", 2511},  {"firehol/et_block.netset", 1467},
               {"firehol/et_compromised.ipset", 746},    {"firehol/blocklist_de.ipset", 22474},
               {"firehol/blocklist_de_bots.ipset", 55},  {"firehol/dshield.netset", 19},
               {"firehol/spamhaus_drop.netset", 986},    {"firehol/spamhaus_edrop.netset", 55}};
  for (const Case& c : cases) {
    INFO(c.file);
    ParsedFeed f = MustParse(Format::kPlain, ReadSample(c.file));
    CHECK(f.cidrs.size() == c.count);
    CHECK(f.invalid == 0);
  }
  ParsedFeed et = MustParse(Format::kPlain, ReadSample("firehol/et_block.netset"));
  size_t hosts = 0;
  for (const auto& c : et.cidrs) hosts += c.prefixlen == 32;
  CHECK(hosts >= 458);  // bare addresses inside a .netset are hosts
}

TEST_CASE("plain: a FireHOL file that lost lines fails its Entries check") {
  std::string body = ReadSample("firehol/firehol_level1.netset");
  std::string cut = body.substr(0, body.size() - 2000);
  cut = cut.substr(0, cut.rfind('\n') + 1);
  CHECK_THAT(MustFail(Format::kPlain, cut), Catch::Contains("header says 2511"));
}

TEST_CASE("plain: blocklist.de, bing derived list, OpenAI bare hosts, trailing spaces") {
  ParsedFeed bl = MustParse(Format::kPlain, ReadSample("blocklist_de/all_2026-08_fixture_trimmed.txt"));
  CHECK(bl.cidrs.size() == 45);
  CHECK(FamilyCounts(bl).second > 0);
  CHECK(MustParse(Format::kPlain, ReadSample("bing/bingbot_ipv4_prefixes_2024-01-11_derived.txt"))
            .cidrs.size() == 28);
  ParsedFeed oa = MustParse(Format::kPlain,
                            ReadSample("edge-cases/openai_ipv4_derived_with_bare_ips_2025-10-08.txt"));
  CHECK(oa.cidrs.size() == 206);
  size_t hosts = 0;
  for (const auto& c : oa.cidrs) hosts += c.prefixlen == 32;
  CHECK(hosts == 21);
  CHECK(MustParse(Format::kPlain, ReadSample("edge-cases/spamhaus_drop_stripped_trailing_space.txt"))
            .cidrs.size() == 989);
}

TEST_CASE("plain: an RFC 8805 geofeed CSV (iCloud Private Relay) reads its prefix column") {
  ParsedFeed f = MustParse(Format::kPlain,
                           ReadSample("other-crawlers/icloud_private_relay_egress-ip-ranges_fixture.csv"));
  CHECK(f.cidrs.size() == 9);
  CHECK(f.invalid == 0);
}

TEST_CASE("plain: DShield block.txt with the dshield column layout") {
  FormatOptions o;
  o.plain.dshield_columns = true;
  ParsedFeed f = MustParse(Format::kPlain, ReadSample("dshield/block_2026-08-20_fixture.txt"), o);
  REQUIRE(f.cidrs.size() == 20);
  CHECK(f.cidrs[0].ToString() == "205.210.31.0/24");
  for (const auto& c : f.cidrs) CHECK(c.prefixlen == 24);
  // Without the layout option the first column is a host: a different, valid reading.
  CHECK(MustParse(Format::kPlain, ReadSample("dshield/block_2026-08-20_fixture.txt")).cidrs[0].prefixlen == 32);
}

TEST_CASE("spamhaus: legacy text with EOF, IPv6, the old EDROP and the valid empty file") {
  ParsedFeed d = MustParse(Format::kSpamhausDrop, ReadSample("spamhaus/drop_2025-01-17.txt"));
  CHECK(d.cidrs.size() == 1385);
  CHECK(d.eof_marker);
  ParsedFeed v6 = MustParse(Format::kSpamhausDrop, ReadSample("spamhaus/dropv6_2025-01-15.txt"));
  CHECK(FamilyCounts(v6) == std::pair<size_t, size_t>{0, 78});
  ParsedFeed e = MustParse(Format::kSpamhausDrop, ReadSample("spamhaus/edrop_2023-12-01.txt"));
  CHECK(e.cidrs.size() == 289);
  CHECK_FALSE(e.eof_marker);
  ParsedFeed empty = MustParse(
      Format::kSpamhausDrop, ReadSample("edge-cases/spamhaus_edrop_2024-10-18_merged_comment_only.txt"));
  CHECK(empty.cidrs.empty());
  CHECK(empty.eof_marker);
}

TEST_CASE("spamhaus: a text file cut before EOF parses but reports no EOF marker") {
  std::string body = ReadSample("spamhaus/drop_2025-01-17.txt");
  size_t at = 0;
  for (int i = 0; i < 500; i++) at = body.find('\n', at) + 1;
  ParsedFeed cut = MustParse(Format::kSpamhausDrop, body.substr(0, at));
  CHECK(cut.cidrs.size() == 496);
  CHECK_FALSE(cut.eof_marker);  // the engine refuses this once the feed has shown '; EOF'
}

TEST_CASE("spamhaus: JSON lines with metadata, the truncated fixture and ASN-DROP") {
  ParsedFeed j = MustParse(Format::kSpamhausDrop, ReadSample("spamhaus/drop_v4_2025-04-15.json"));
  CHECK(j.cidrs.size() == 1406);
  CHECK_THAT(MustFail(Format::kSpamhausDrop, ReadSample("spamhaus/drop_v6_2026-08_fixture_trimmed.json")),
             Catch::Contains("metadata says 91 records"));
  CHECK_THAT(MustFail(Format::kSpamhausDrop, ReadSample("spamhaus/asndrop_2024-02.json")),
             Catch::Contains("ASN-DROP"));
  std::string body = ReadSample("spamhaus/drop_v4_2025-04-15.json");
  CHECK_THAT(MustFail(Format::kSpamhausDrop, body.substr(0, body.rfind("{\"type\""))),
             Catch::Contains("no metadata"));
}

TEST_CASE("aws: filters by service, region (Local Zones included) and border group") {
  std::string body = ReadSample("aws/ip-ranges_2025-09-16.json");
  struct Case {
    std::string region;
    size_t v4, v6;
  } cases[] = {{"us-east-1", 258, 172}, {"us-west-2", 157, 192}, {"ap-northeast-1", 72, 54}};
  for (const Case& c : cases) {
    FormatOptions o;
    o.aws.services = {"EC2"};
    o.aws.regions = {c.region};
    ParsedFeed f = MustParse(Format::kAwsIpRanges, body, o);
    CHECK(FamilyCounts(f) == std::pair<size_t, size_t>{c.v4, c.v6});
  }
  FormatOptions home;
  home.aws.services = {"EC2"};
  home.aws.network_border_groups = {"us-east-1"};
  CHECK(FamilyCounts(MustParse(Format::kAwsIpRanges, body, home)).first == 168);
  FormatOptions all_ec2;
  all_ec2.aws.services = {"EC2"};
  CHECK(FamilyCounts(MustParse(Format::kAwsIpRanges, body, all_ec2)).first == 1561);
  FormatOptions typo;
  typo.aws.services = {"EC3"};
  CHECK_THAT(MustFail(Format::kAwsIpRanges, body, typo), Catch::Contains("matched none"));
}

TEST_CASE("aws: legacy file without network_border_group, truncated and empty downloads") {
  FormatOptions o;
  o.aws.services = {"EC2"};
  ParsedFeed f = MustParse(Format::kAwsIpRanges, ReadSample("aws/ip-ranges_2017-11-28_legacy_no_nbg.json"), o);
  CHECK(FamilyCounts(f) == std::pair<size_t, size_t>{247, 64});
  std::string body = ReadSample("aws/ip-ranges_2025-09-16.json");
  CHECK_THAT(MustFail(Format::kAwsIpRanges, body.substr(0, 100000), o), Catch::Contains("truncated"));
  CHECK_THAT(MustFail(Format::kAwsIpRanges,
                      ReadSample("edge-cases/aws_ip-ranges_empty_download_2026-07-28.json"), o),
             Catch::Contains("empty"));
}

TEST_CASE("crawler-ranges: Google, Bing and other publishers, old and new layouts") {
  struct Case {
    const char* file;
    size_t v4, v6;
  } cases[] = {{"google/common-crawlers_googlebot_2026-08-21.json", 169, 146},
               {"google/special-crawlers_2026-08-21.json", 135, 135},
               {"google/user-triggered-fetchers_2026-08-21.json", 528, 528},
               {"google/googlebot_2021-11-10_old_layout.json", 90, 90},
               {"bing/bingbot_2023-03-08_fixture_trimmed.json", 5, 0},
               {"other-crawlers/ccbot_2026-08-11_fixture.json", 4, 1},
               {"other-crawlers/applebot_2023-10-27_fixture.json", 4, 0},
               {"other-crawlers/anthropic_claude_bots_2026-08-12_fixture.json", 21, 0},
               {"other-crawlers/openai_adsbot_2026-05-12_fixture.json", 2, 0}};
  for (const Case& c : cases) {
    INFO(c.file);
    ParsedFeed f = MustParse(Format::kCrawlerRanges, ReadSample(c.file));
    CHECK(FamilyCounts(f) == std::pair<size_t, size_t>{c.v4, c.v6});
    CHECK(f.invalid == 0);
  }
  CHECK_THAT(MustFail(Format::kCrawlerRanges, R"({"creationTime":"x","prefixes":[{"ipv4Prefix":"1.2.3.0/24","ipv6Prefix":"2001:db8::/32"}]})"),
             Catch::Contains("invalid"));
  CHECK_THAT(MustFail(Format::kCrawlerRanges, R"({"creationTime":"x"})"), Catch::Contains("no \"prefixes\""));
}

TEST_CASE("variants: BOM, CRLF and gzip give the same set as the original") {
  struct Case {
    Format format;
    const char* file;
  } cases[] = {{Format::kPlain, "firehol/firehol_level1.netset"},
               {Format::kSpamhausDrop, "spamhaus/drop_2025-01-17.txt"},
               {Format::kCrawlerRanges, "google/common-crawlers_googlebot_2026-08-21.json"},
               {Format::kAbuseIpdb, "abuseipdb/blacklist_v2_confidence100_limit10000.json"}};
  for (const Case& c : cases) {
    INFO(c.file);
    std::string body = ReadSample(c.file);
    std::vector<net::Cidr> base = MustParse(c.format, body).cidrs;
    CHECK(MustParse(c.format, "\xEF\xBB\xBF" + body).cidrs == base);
    CHECK(MustParse(c.format, ToCrlf(body)).cidrs == base);
    CHECK(MustParse(c.format, GzipOf(body)).cidrs == base);
    CHECK(MustParse(c.format, GzipOf("\xEF\xBB\xBF" + ToCrlf(body))).cidrs == base);
  }
}

TEST_CASE("variants: a corrupt gzip and a gzip bomb are refused") {
  std::string gz = GzipOf(ReadSample("firehol/blocklist_de.ipset"));
  CHECK_THAT(MustFail(Format::kPlain, gz.substr(0, gz.size() / 2)), Catch::Contains("gzip"));
  std::string zeros(8u << 20, '0');
  absl::StatusOr<ParsedFeed> bomb = ParseFeedBody(Format::kPlain, GzipOf(zeros), {}, 1u << 20);
  REQUIRE_FALSE(bomb.ok());
  CHECK_THAT(std::string(bomb.status().message()), Catch::Contains("cap"));
}

TEST_CASE("variants: HTML pages, empty bodies and JSON where text was expected") {
  const std::string html = "<!DOCTYPE html>\n<html><body>504 Gateway Time-out</body></html>\n";
  for (Format f : {Format::kPlain, Format::kAbuseIpdb, Format::kSpamhausDrop, Format::kAwsIpRanges,
                   Format::kCrawlerRanges}) {
    INFO(FormatName(f));
    CHECK_THAT(MustFail(f, html), Catch::Contains("HTML"));
    CHECK_THAT(MustFail(f, ""), Catch::Contains("empty"));
    CHECK_THAT(MustFail(f, " \n\r\n"), Catch::Contains("empty"));
  }
  CHECK_THAT(MustFail(Format::kPlain, R"({"prefixes":[]})"), Catch::Contains("JSON where a text list"));
  CHECK_THAT(MustFail(Format::kPlain, "# only a comment\n"), Catch::Contains("no entries"));
}

TEST_CASE("entries: host bits, mapped IPv4, bad syntax, ranges and duplicates") {
  ParsedFeed f = MustParse(Format::kPlain,
                           "10.1.2.3/8\n::ffff:198.51.100.7\n0.0.0.0/0\n::/0\n010.1.1.1\n"
                           "1.2.3.4/33\nfe80::1%eth0\n192.0.2.0-192.0.2.9\n2001:db8::-2001:db8::3\n"
                           "203.0.113.5\n203.0.113.5 ; again\n");
  std::vector<std::string> got;
  for (const auto& c : f.cidrs) got.push_back(c.ToString());
  CHECK(got == std::vector<std::string>{"10.0.0.0/8", "198.51.100.7/32", "0.0.0.0/0", "::/0",
                                        "192.0.2.0/29", "192.0.2.8/31", "2001:db8::/126",
                                        "203.0.113.5/32", "203.0.113.5/32"});
  CHECK(f.host_bits_masked == 1);
  CHECK(f.mapped_v4 == 1);
  CHECK(f.invalid == 3);  // 010.1.1.1, /33, zone id
  CHECK_THAT(MustFail(Format::kPlain, "not-an-ip\n300.1.1.1\n"), Catch::Contains("all 2 entries are invalid"));
  CHECK(MustParse(Format::kPlain, "9.9.9.9-9.9.9.0\n1.1.1.1\n").invalid == 1);  // reversed range
}

TEST_CASE("ranges: cover a whole family and single addresses") {
  std::vector<net::Cidr> out;
  CoverRange(net::ParseCidr("0.0.0.0").value().cidr, net::ParseCidr("255.255.255.255").value().cidr, &out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].ToString() == "0.0.0.0/0");
  out.clear();
  CoverRange(net::ParseCidr("::").value().cidr,
             net::ParseCidr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").value().cidr, &out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].ToString() == "::/0");
  out.clear();
  CoverRange(net::ParseCidr("10.0.0.1").value().cidr, net::ParseCidr("10.0.0.1").value().cidr, &out);
  CHECK(out.size() == 1);
}

}  // namespace xdpguard::feeds

namespace xdpguard::feeds {

TEST_CASE("entries: the fast IPv4 path accepts and refuses exactly what ParseCidr does") {
  std::vector<std::string> inputs = {
      "1.2.3.4", "0.0.0.0", "255.255.255.255", "1.2.3.4/32", "1.2.3.4/0", "1.2.3.4/8",
      "10.1.2.3/8", "01.2.3.4", "1.02.3.4", "1.2.3.04", "256.1.1.1", "1.2.3", "1.2.3.4.5",
      "1.2.3.4/33", "1.2.3.4/08", "1.2.3.4/", "1.2.3.4/a", "1.2.3.4//8", "1..3.4", ".1.2.3",
      "1.2.3.4x", "1.2.3.-4", "1234.1.1.1", "1.2.3.4/320", "0.0.0.0/0", "9.9.9.9/31"};
  // Random mutations of valid addresses cover the odd corners.
  std::mt19937 rng(11);
  const char alphabet[] = "0123456789./";
  for (int i = 0; i < 20000; i++) {
    std::string s;
    size_t len = 1 + rng() % 19;
    for (size_t j = 0; j < len; j++) s += alphabet[rng() % (sizeof(alphabet) - 1)];
    inputs.push_back(s);
  }
  for (const std::string& in : inputs) {
    INFO(in);
    ParsedFeed f;
    bool ok = AddEntry(in, &f);
    absl::StatusOr<net::ParsedCidr> ref = net::ParseCidr(in);
    bool ref_ok = ref.ok() && in.find('-') == std::string::npos;
    if (in.find('-') != std::string::npos) continue;  // ranges are AddEntry's own syntax
    REQUIRE(ok == ref_ok);
    if (ok) {
      REQUIRE(f.cidrs.size() == 1);
      CHECK(f.cidrs[0] == ref->cidr);
      CHECK(f.host_bits_masked == (ref->host_bits_masked ? 1u : 0u));
    }
  }
}

}  // namespace xdpguard::feeds

TEST_CASE("hostile numbers in JSON feed bodies are refused or ignored, never thrown") {
  using xdpguard::feeds::Format;
  const std::vector<std::pair<Format, std::string>> bodies = {
      {Format::kAwsIpRanges, R"({"syncToken": 1e400, "prefixes": [{"ip_prefix": "192.0.2.0/24", "region": "x", "service": "EC2", "n": -1e400}]})"},
      {Format::kCrawlerRanges, R"({"creationTime": 1e400, "prefixes": [{"ipv4Prefix": "192.0.2.0/24"}]})"},
      {Format::kAbuseIpdb, R"({"meta": {"generatedAt": 1e400}, "data": [{"ipAddress": "192.0.2.7", "abuseConfidenceScore": 1e400}]})"},
      {Format::kSpamhausDrop, "{\"cidr\": \"192.0.2.0/24\", \"sblid\": 1e400}\n{\"type\": \"metadata\", \"records\": 1e400}\n"},
  };
  for (const auto& [format, body] : bodies) {
    INFO(body);
    REQUIRE_NOTHROW(xdpguard::feeds::ParseFeedBody(format, body, {}, 1 << 20));
  }
}

namespace xdpguard::feeds {

TEST_CASE("parse: the dotted-quad fast path accepts only what the strict parser accepts, the same way") {
  // Random strings over digits, dots and slashes, biased towards near-addresses: every
  // string the fast path takes must parse identically (prefix, masked host bits) by
  // net::ParseCidr; what it refuses goes to that parser anyway.
  std::mt19937 rng(5);
  const char alphabet[] = "0123456789../";
  size_t accepted = 0;
  for (int i = 0; i < 300000; i++) {
    std::string text;
    if (i % 2 == 0) {
      for (int o = 0; o < 4; o++) {
        if (o) text += '.';
        text += std::to_string(rng() % 300);
        if (rng() % 16 == 0) text += '0';
      }
      if (rng() % 2) text += "/" + std::to_string(rng() % 40);
      if (rng() % 8 == 0) text.insert(rng() % text.size(), 1, alphabet[rng() % 13]);
    } else {
      size_t n = 1 + rng() % 19;
      for (size_t k = 0; k < n; k++) text += alphabet[rng() % 13];
    }
    ParsedFeed fast;
    if (!AddDottedQuad(text, &fast)) continue;
    accepted++;
    absl::StatusOr<net::ParsedCidr> strict = net::ParseCidr(text);
    INFO(text);
    REQUIRE(strict.ok());
    CHECK(fast.cidrs.at(0) == strict->cidr);
    CHECK((fast.host_bits_masked == 1) == strict->host_bits_masked);
  }
  CHECK(accepted > 50000);
}

}  // namespace xdpguard::feeds
