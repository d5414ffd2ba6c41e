// SPDX-License-Identifier: GPL-2.0
#include "cli/session.h"

namespace xdpguard::cli {
namespace {

// Privileges first (no side effect without them), then the pin directory's ownership and
// mode; a missing directory means nothing was ever attached.
absl::Status CheckStateAccess(const Context& ctx) {
  if (absl::Status s = CheckPrivileges(false); !s.ok()) return s;
  absl::Status s = datapath::CheckPinDir(ctx.pin_dir);
  if (absl::IsNotFound(s))
    return absl::NotFoundError("no xdpguard state in " + ctx.pin_dir +
                               ": run 'xdpguard attach IFACE' first");
  return s;
}

}  // namespace

absl::StatusOr<std::unique_ptr<datapath::PinnedMaps>> OpenForRead(const Context& ctx) {
  if (absl::Status s = CheckStateAccess(ctx); !s.ok()) return s;
  return datapath::PinnedMaps::Open(ctx.pin_dir);
}

absl::StatusOr<WriteSession> OpenForWrite(const Context& ctx) {
  if (absl::Status s = CheckStateAccess(ctx); !s.ok()) return s;
  absl::StatusOr<datapath::PinDirLock> lock = datapath::PinDirLock::Acquire(ctx.pin_dir);
  if (!lock.ok()) return lock.status();
  absl::StatusOr<std::unique_ptr<datapath::PinnedMaps>> maps =
      datapath::PinnedMaps::Open(ctx.pin_dir);
  if (!maps.ok()) return maps.status();
  return WriteSession{std::move(*lock), std::move(*maps)};
}

}  // namespace xdpguard::cli
