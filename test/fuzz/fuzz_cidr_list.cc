// SPDX-License-Identifier: GPL-2.0
// The operator's list files (`block load`, `allow load`) and single CIDRs: strict parsing
// that must refuse, never crash on, anything. The first byte picks the options.
#include <cstddef>
#include <cstdint>
#include <string>

#include "net/cidr.h"
#include "net/cidr_list.h"

using namespace xdpguard;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  net::CidrListOptions options;
  options.force = data[0] & 1;
  options.max_line_len = (data[0] & 2) ? 64 : 1024;
  options.max_reported_errors = (data[0] >> 2) & 31;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  (void)net::ParseCidrList(text, "fuzz", options);
  absl::StatusOr<net::ParsedCidr> one = net::ParseCidr(text);
  if (one.ok()) {
    // What parses must print and parse back to itself.
    absl::StatusOr<net::ParsedCidr> again = net::ParseCidr(one->cidr.ToString());
    if (!again.ok() || !(again->cidr == one->cidr)) __builtin_trap();
  }
  return 0;
}
