// SPDX-License-Identifier: GPL-2.0
// Access to the real feed samples in test/data/feeds/samples (path fixed at configure
// time; provenance in its README.md). A missing sample fails the test loudly: a parser
// test without its data is no test.
#ifndef XDPGUARD_TEST_UNIT_FEED_SAMPLES_H_
#define XDPGUARD_TEST_UNIT_FEED_SAMPLES_H_

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "feeds/parsed_feed.h"

namespace xdpguard::testing {

inline std::string ReadSample(const std::string& relative) {
  std::string path = std::string(XG_FEED_SAMPLES) + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("feed sample missing: " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// (IPv4 count, IPv6 count)
inline std::pair<size_t, size_t> FamilyCounts(const feeds::ParsedFeed& f) {
  size_t v4 = 0;
  for (const auto& c : f.cidrs) v4 += c.family == net::Family::kIPv4;
  return {v4, f.cidrs.size() - v4};
}

}  // namespace xdpguard::testing

#endif  // XDPGUARD_TEST_UNIT_FEED_SAMPLES_H_
