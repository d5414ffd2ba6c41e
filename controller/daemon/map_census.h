// SPDX-License-Identifier: GPL-2.0
// What the pinned maps hold: blocklist/allowlist entries per origin and family, and how
// full each sized map is. Counting means walking the maps (a 1M-entry map takes a fraction
// of a second even batched), so the daemon takes a census in the background, at start,
// after each change it makes and every kCensusInterval, and scrapes read the last one;
// entries the CLI adds show up at the next periodic census.
#ifndef XDPGUARD_DAEMON_MAP_CENSUS_H_
#define XDPGUARD_DAEMON_MAP_CENSUS_H_

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "datapath/pinned_maps.h"
#include "xdpguard_maps.h"

namespace xdpguard::daemon {

inline constexpr std::chrono::seconds kCensusInterval{60};
inline constexpr std::chrono::seconds kGenerationPoll{1};

struct MapFill {
  std::string map;  // pinned map name
  uint64_t entries = 0;
  uint32_t max_entries = 0;
};

struct Census {
  // [origin][family]; family 0 = IPv4, 1 = IPv6.
  std::array<std::array<uint64_t, 2>, XG_MAX_ORIGINS> block{};
  std::array<std::array<uint64_t, 2>, XG_MAX_ORIGINS> allow{};
  std::vector<MapFill> fill;
  double taken_unix_seconds = 0;
  double duration_seconds = 0;
};

absl::StatusOr<Census> TakeCensus(const datapath::PinnedMaps& maps);

// Background census of the pin directory's maps.
// It also watches the list generation (one array read a second): when any list changed,
// it takes a census and, given a state directory, saves the operator's entries there
// (saved_entries.h), so a ban is on disk within about a second.
class CensusThread {
 public:
  explicit CensusThread(std::string pin_dir, std::string save_dir = "");
  ~CensusThread();
  // Asks for a new census soon (after a change the daemon made).
  void Poke();
  // The last successful census, if any.
  std::shared_ptr<const Census> Latest() const;

 private:
  void Loop();

  std::string pin_dir_;
  std::string save_dir_;  // where the operator's entries are saved; empty: not saved
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool poked_ = true;  // the first census runs at once
  bool stop_ = false;
  std::shared_ptr<const Census> latest_;
  std::thread thread_;
};

}  // namespace xdpguard::daemon

#endif  // XDPGUARD_DAEMON_MAP_CENSUS_H_
