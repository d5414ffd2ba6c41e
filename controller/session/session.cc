// SPDX-License-Identifier: GPL-2.0
#include "session/session.h"

namespace xdpguard::session {
namespace {

// Privileges first (no side effect without them), then the pin directory's ownership and
// mode; a missing directory means nothing was ever attached.
absl::Status CheckStateAccess(const std::string& pin_dir) {
  if (absl::Status s = CheckPrivileges(false); !s.ok()) return s;
  absl::Status s = datapath::CheckPinDir(pin_dir);
  if (absl::IsNotFound(s))
    return absl::NotFoundError("no xdpguard state in " + pin_dir +
                               ": run 'xdpguard attach IFACE' first");
  return s;
}

}  // namespace

absl::StatusOr<std::unique_ptr<datapath::PinnedMaps>> OpenForRead(const std::string& pin_dir) {
  if (absl::Status s = CheckStateAccess(pin_dir); !s.ok()) return s;
  return datapath::PinnedMaps::Open(pin_dir);
}

absl::StatusOr<WriteSession> OpenForWrite(const std::string& pin_dir) {
  if (absl::Status s = CheckStateAccess(pin_dir); !s.ok()) return s;
  absl::StatusOr<datapath::PinDirLock> lock = datapath::PinDirLock::Acquire(pin_dir);
  if (!lock.ok()) return lock.status();
  absl::StatusOr<std::unique_ptr<datapath::PinnedMaps>> maps =
      datapath::PinnedMaps::Open(pin_dir);
  if (!maps.ok()) return maps.status();
  return WriteSession{std::move(*lock), std::move(*maps)};
}

}  // namespace xdpguard::session
