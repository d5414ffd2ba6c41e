// SPDX-License-Identifier: GPL-2.0
// The one JSON config file (README "Configuration" has the reference and
// scripts/xdpguard.example.json a complete example): the state and pin directories,
// interfaces, map sizes, static lists, guards, metrics, logging, protected ranges and
// feeds. Parsing never touches the kernel or the network (`xdpguard check`); every error
// names the file and the JSON path.
#ifndef XDPGUARD_CONFIG_CONFIG_H_
#define XDPGUARD_CONFIG_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datapath/attach.h"
#include "datapath/datapath_object.h"
#include "feeds/parsers.h"
#include "feeds/policy.h"
#include "lists/manual_rules.h"
#include "net/cidr.h"
#include "nlohmann/json.hpp"

namespace xdpguard::config {

inline constexpr const char* kDefaultConfigPath = "/etc/xdpguard/xdpguard.json";
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
  // Secret sent as the AbuseIPDB "Key" header: read from an environment variable or a
  // file at fetch time, never stored in status or logs.
  std::string api_key_env, api_key_file;
  AbuseIpdbParams abuseipdb;
  feeds::FormatOptions options;
  uint64_t interval_s = 3600;
  lists::RuleOptions rule;  // action drop (default), ratelimit, or monitor; scope
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

// An interface the daemon attaches, with its datapath settings (as `xdpguard attach`).
struct InterfaceConfig {
  std::string name;
  datapath::AttachMode mode = datapath::AttachMode::kAuto;
  bool monitor = false;                    // interface-wide dry run
  std::optional<uint8_t> flow_mode;        // XG_FLOWS_*; unset = keep the current one
  std::optional<uint8_t> drop_sample_shift, pass_sample_shift;
};

// A blocklist entry declared in the config (origin "config" in the datapath).
struct StaticBlockEntry {
  net::Cidr cidr;
  lists::RuleOptions rule;
  std::string comment;
};

struct GuardConfig {
  std::string interface;
  net::Cidr gateway;               // a host address
  std::vector<std::string> macs;   // empty: learned from the neighbour table
  bool drop = false;
};

struct MetricsConfig {
  bool enabled = true;
  std::string listen = "127.0.0.1:9469";  // never all interfaces unless written so
};

struct LogConfig {
  bool json = true;          // one JSON object per line on stderr; false: plain text
  std::string level = "info";
};

struct Config {
  std::string source;  // the file it came from
  // The parsed document, for telling which sections a reload changed.
  nlohmann::json raw;
  // True if key (a top-level section) differs between this config and other.
  bool SectionChanged(const Config& other, const std::string& key) const;
  std::string state_dir = kDefaultStateDir;
  std::string pin_dir;  // empty: the default (or --pin-dir / $XDPGUARD_PIN_DIR)
  datapath::MapSizes map_sizes;
  std::vector<InterfaceConfig> interfaces;
  std::vector<net::Cidr> allowlist;
  std::vector<StaticBlockEntry> blocklist;
  std::vector<GuardConfig> guards;
  MetricsConfig metrics;
  LogConfig log;
  ProtectConfig protect;
  std::vector<FeedConfig> feeds;

  const FeedConfig* FindFeed(const std::string& name) const;
};

// Parses text; source names it in messages. InvalidArgument lists every error found.
absl::StatusOr<Config> ParseConfig(const std::string& text, const std::string& source);
absl::StatusOr<Config> LoadConfig(const std::string& path);

}  // namespace xdpguard::config

#endif  // XDPGUARD_CONFIG_CONFIG_H_
