// SPDX-License-Identifier: GPL-2.0
// Converts errno values (libbpf returns them negated) into absl::Status with the failing
// operation named, so every kernel error reaches the user with context and a hint.
#ifndef XDPGUARD_COMMON_ERRNO_STATUS_H_
#define XDPGUARD_COMMON_ERRNO_STATUS_H_

#include "absl/strings/string_view.h"

#include "absl/status/status.h"

namespace xdpguard {

// err may be positive or negative (libbpf style). what names the operation, e.g.
// "update map xg_block_v4". EPERM/EACCES get a hint about the capabilities needed.
absl::Status ErrnoToStatus(int err, absl::string_view what);

}  // namespace xdpguard

#endif  // XDPGUARD_COMMON_ERRNO_STATUS_H_
