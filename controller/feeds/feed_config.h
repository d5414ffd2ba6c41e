// SPDX-License-Identifier: GPL-2.0
// What the feed engine is configured with: each feed's source, format, filters, rule and
// limits, the ranges no feed may block, and the state directory. The config file's reader
// (config/) fills it; feeds/ owns it, so the engine needs nothing else of the config.
#ifndef XDPGUARD_FEEDS_FEED_CONFIG_H_
#define XDPGUARD_FEEDS_FEED_CONFIG_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "feeds/parsers.h"
#include "feeds/policy.h"
#include "lists/manual_rules.h"
#include "net/cidr.h"

namespace xdpguard::feeds {

inline constexpr const char* kDefaultStateDir = "/var/lib/xdpguard";

struct AbuseIpdbParams {
  std::optional<int> confidence_minimum;  // 25..100
  std::optional<int> limit;
  std::optional<int> ip_version;  // 4 or 6
  std::vector<std::string> only_countries, except_countries;
};

struct FeedConfig {
  std::string name;
  feeds::Format format = feeds::Format::kPlain;
  std::string url;   // http(s) source, or
  std::string path;  // a local file (air-gapped sites)
  // Secret sent as the AbuseIPDB "Key" header or CrowdSec's "X-Api-Key": read from an
  // environment variable or a file at fetch time, never stored in status or logs.
  std::string api_key_env, api_key_file;
  AbuseIpdbParams abuseipdb;
  feeds::FormatOptions options;
  uint64_t interval_s = 3600;
  lists::RuleOptions rule;  // action drop (default), ratelimit, or monitor; scope
  // CrowdSec: the rule of each decision type named in the config ("throttle" ->
  // ratelimit ...); other types, "ban" included unless named, take `rule`.
  std::map<std::string, lists::RuleOptions> decision_types;
  feeds::FeedLimits limits;
  double max_shrink = 0.5;  // refuse an update that loses more than this fraction
  uint64_t max_bytes = 64u << 20;
  uint64_t timeout_s = 60, connect_timeout_s = 10;
  std::string ca_file;  // PEM CA bundle to trust instead of the system store

  // The request URL with the format's query parameters (AbuseIPDB), no secrets in it.
  std::string RequestUrl() const;
  // What the cached entries depend on: a change invalidates the cache and its ETag.
  std::string SourceFingerprint() const;
  // For status and logs: the URL without userinfo or query values, or the file path.
  std::string DisplaySource() const;
};

struct ProtectConfig {
  bool block_private = false;             // allow feeds to list RFC 1918 / ULA space
  std::vector<net::Cidr> never_block;     // the operator's own prefixes, resolvers, ...
};

// The feeds' part of the config file.
struct FeedSettings {
  std::string source;  // the file it came from
  std::string state_dir = kDefaultStateDir;
  ProtectConfig protect;
  std::vector<FeedConfig> feeds;

  const FeedConfig* FindFeed(const std::string& name) const;
};

}  // namespace xdpguard::feeds

#endif  // XDPGUARD_FEEDS_FEED_CONFIG_H_
