// SPDX-License-Identifier: GPL-2.0
// How a human reads an origin: "manual", "config", or the feed's name from the config
// ("spamhaus"), where the datapath only has an id. The stable id form ("feed:3", what
// OriginName gives) stays in JSON for scripts; the name is added beside it.
#ifndef XDPGUARD_LISTS_ORIGIN_NAMES_H_
#define XDPGUARD_LISTS_ORIGIN_NAMES_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace xdpguard::lists {

class OriginNames {
 public:
  OriginNames() = default;
  // feeds: feed name -> origin id (feeds/feed_state.h, origins.json).
  explicit OriginNames(const std::map<std::string, uint16_t>& feeds);

  // "manual", "config", the feed's name, or the id form ("feed:N") for a feed id no
  // config names (a feed removed since, or the config could not be read).
  std::string Name(uint16_t origin) const;
  // The origins that have a name: manual, config and every feed known, in id order (the
  // series a metrics scrape always exports, zero included).
  std::vector<uint16_t> NamedIds() const;
  bool IsNamed(uint16_t origin) const;

 private:
  std::map<uint16_t, std::string> feeds_;
};

}  // namespace xdpguard::lists

#endif  // XDPGUARD_LISTS_ORIGIN_NAMES_H_
