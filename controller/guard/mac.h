// SPDX-License-Identifier: GPL-2.0
// MAC addresses: strict parsing ("aa:bb:cc:dd:ee:ff", hex pairs, colons) and formatting.
#ifndef XDPGUARD_GUARD_MAC_H_
#define XDPGUARD_GUARD_MAC_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace xdpguard::guard {

using Mac = std::array<uint8_t, 6>;

// Rejects anything but six two-digit hex pairs separated by ':' or '-', and the all-zero
// and broadcast addresses (neither can be a gateway's).
absl::StatusOr<Mac> ParseMac(absl::string_view text);
std::string FormatMac(const uint8_t* mac);

}  // namespace xdpguard::guard

#endif  // XDPGUARD_GUARD_MAC_H_
