// SPDX-License-Identifier: GPL-2.0
#include "common/errno_status.h"

#include <cerrno>
#include <cstring>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace xdpguard {

absl::Status ErrnoToStatus(int err, absl::string_view what) {
  err = std::abs(err);
  std::string msg = absl::StrCat(what, ": ", std::strerror(err));
  switch (err) {
    case 0:
      return absl::OkStatus();
    case EPERM:
    case EACCES:
      return absl::PermissionDeniedError(
          absl::StrCat(msg, " (needs root or CAP_BPF+CAP_NET_ADMIN)"));
    case ENOENT:
      return absl::NotFoundError(msg);
    case EEXIST:
      return absl::AlreadyExistsError(msg);
    case E2BIG:
    case ENOSPC:
    case ENOMEM:
      return absl::ResourceExhaustedError(msg);
    // EINVAL from the kernel is a runtime failure, not bad user input: InvalidArgument is
    // reserved for the user's own arguments (the CLI maps it to exit code 2).
    case EBUSY:
    case EAGAIN:
      return absl::UnavailableError(msg);
    case EOPNOTSUPP:
      return absl::UnimplementedError(msg);
    default:
      return absl::InternalError(msg);
  }
}

}  // namespace xdpguard
