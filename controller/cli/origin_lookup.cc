// SPDX-License-Identifier: GPL-2.0
// Feed names for listings: the datapath stores origin ids; the names are in the config's
// state directory (origins.json, written by the feed engine).
#include "cli/commands.h"
#include "config/config.h"
#include "feeds/feed_state.h"
#include "spdlog/spdlog.h"

namespace xdpguard::cli {

lists::OriginNames OriginNamesFor(const Args& args) {
  const std::string path = ConfigPath(args);
  absl::StatusOr<config::Config> cfg = config::LoadConfig(path);
  if (!cfg.ok()) {
    // Listings work without a config (a CLI-only host); feeds then show by id.
    spdlog::debug("feed names unavailable ({}): origins shown as feed:N",
                  std::string(cfg.status().message()));
    return {};
  }
  absl::StatusOr<std::map<std::string, uint16_t>> ids = feeds::FeedStateStore(cfg->state_dir).LoadOrigins();
  if (!ids.ok()) {
    spdlog::warn("feed names unavailable: {}", std::string(ids.status().message()));
    return {};
  }
  return lists::OriginNames(*ids);
}

}  // namespace xdpguard::cli
