// SPDX-License-Identifier: GPL-2.0
// The one JSON config file (docs/config.md has the reference and
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
#include "feeds/feed_config.h"
#include "lists/manual_rules.h"
#include "net/cidr.h"
#include "nlohmann/json.hpp"

namespace xdpguard::config {

inline constexpr const char* kDefaultConfigPath = "/etc/xdpguard/xdpguard.json";
inline constexpr const char* kDefaultStateDir = feeds::kDefaultStateDir;

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

// The feed engine's part (source, state_dir, protect, feeds, FindFeed) is its base, owned
// by feeds/: the engine takes that part alone.
struct Config : feeds::FeedSettings {
  // The parsed document, for telling which sections a reload changed.
  nlohmann::json raw;
  // True if key (a top-level section) differs between this config and other.
  bool SectionChanged(const Config& other, const std::string& key) const;
  std::string pin_dir;  // empty: the default (or --pin-dir / $XDPGUARD_PIN_DIR)
  datapath::MapSizes map_sizes;
  std::vector<InterfaceConfig> interfaces;
  std::vector<net::Cidr> allowlist;
  std::vector<StaticBlockEntry> blocklist;
  std::vector<GuardConfig> guards;
  MetricsConfig metrics;
  LogConfig log;
  // Accepted but worth the operator's attention (printed by `check`, logged by `run`).
  std::vector<std::string> warnings;
};

// Parses text; source names it in messages. InvalidArgument lists every error found.
absl::StatusOr<Config> ParseConfig(const std::string& text, const std::string& source);
absl::StatusOr<Config> LoadConfig(const std::string& path);

}  // namespace xdpguard::config

#endif  // XDPGUARD_CONFIG_CONFIG_H_
