// SPDX-License-Identifier: GPL-2.0
// What every feed parser produces, and the one place where an entry's text becomes a
// prefix: strict syntax (net::ParseCidr), host bits masked and counted, IPv4-mapped IPv6
// converted, "start-end" ranges turned into their minimal CIDR cover. Entries that fail
// are counted with a few examples; whether a feed with failures is usable is decided by
// the caller (a body where nothing parsed is always a failed fetch).
#ifndef XDPGUARD_FEEDS_PARSED_FEED_H_
#define XDPGUARD_FEEDS_PARSED_FEED_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "net/cidr.h"

namespace xdpguard::feeds {

struct ParsedFeed {
  std::vector<net::Cidr> cidrs;  // body order, normalised; duplicates still present
  size_t invalid = 0;            // entries whose text is not an address, CIDR or range
  std::vector<std::string> invalid_examples;  // the first few, printable
  size_t host_bits_masked = 0;
  size_t mapped_v4 = 0;
  size_t filtered_out = 0;  // records a format's filters excluded (AWS service/region)
  bool eof_marker = false;  // Spamhaus "; EOF" seen
};

// Adds one entry's text to feed. Accepts "addr", "addr/len" and "first-last" (same family,
// first <= last). Returns false (and counts it) when the text is none of those.
bool AddEntry(absl::string_view text, ParsedFeed* feed);

// AddEntry's first step on its own: text is exactly "a.b.c.d" or "a.b.c.d/len" (strict)
// and is added; false, with nothing added or counted, for anything else.
bool AddDottedQuad(absl::string_view text, ParsedFeed* feed);

// Appends the minimal list of prefixes covering [first, last] (both of the same family).
void CoverRange(const net::Cidr& first, const net::Cidr& last, std::vector<net::Cidr>* out);

}  // namespace xdpguard::feeds

#endif  // XDPGUARD_FEEDS_PARSED_FEED_H_
