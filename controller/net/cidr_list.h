// SPDX-License-Identifier: GPL-2.0
// Reads a list of CIDRs, one per line: `#` comments (whole-line or trailing), blank lines,
// CRLF, a UTF-8 BOM and surrounding spaces/tabs are tolerated. All-or-nothing: any bad
// line makes the whole list an error that names the source, line number and text, so a
// caller never applies half a file.
#ifndef XDPGUARD_NET_CIDR_LIST_H_
#define XDPGUARD_NET_CIDR_LIST_H_

#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "net/cidr.h"

namespace xdpguard::net {

struct CidrListEntry {
  Cidr cidr;
  int line = 0;
};

struct CidrList {
  std::vector<CidrListEntry> entries;  // in file order, duplicates removed
  std::vector<std::string> warnings;   // e.g. host bits masked, duplicates (bounded)
  int duplicates = 0;
};

struct CidrListOptions {
  bool force = false;  // accept prefixes shorter than the floor
  size_t max_bytes = 256u << 20;
  size_t max_line_len = 1024;
  size_t max_reported_errors = 20;  // the error message lists at most this many lines
};

// Parses text. source names the file (or "stdin") in messages.
absl::StatusOr<CidrList> ParseCidrList(absl::string_view text, absl::string_view source,
                                       const CidrListOptions& options = {});

// Reads path (bounded by options.max_bytes) and parses it.
absl::StatusOr<CidrList> LoadCidrListFile(const std::string& path,
                                          const CidrListOptions& options = {});

}  // namespace xdpguard::net

#endif  // XDPGUARD_NET_CIDR_LIST_H_
