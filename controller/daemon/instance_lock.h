// SPDX-License-Identifier: GPL-2.0
// One service per pin directory. Two `xdpguard run` on the same pinned maps would undo each
// other (each removes the other's static and feed entries as "no longer in my config"), so
// the service holds an exclusive flock for its whole life on a lock file named after the
// pin directory, under /run/xdpguard. The kernel releases it when the process dies, so a
// restart after kill -9 works; a second instance is refused with the first one's PID.
// Under systemd with RuntimeDirectory=, the lock lives in $RUNTIME_DIRECTORY instead (the
// unit runs as its own user, which cannot write root's /run/xdpguard); DefaultLockDir().
#ifndef XDPGUARD_DAEMON_INSTANCE_LOCK_H_
#define XDPGUARD_DAEMON_INSTANCE_LOCK_H_

#include <string>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace xdpguard::daemon {

// $RUNTIME_DIRECTORY when systemd set it (the first, if it lists several), else /run/xdpguard.
std::string DefaultLockDir();

class InstanceLock {
 public:
  // FailedPrecondition naming the running instance's PID when another holds the lock.
  // lock_dir: where lock files live (tests use their own).
  static absl::StatusOr<InstanceLock> Acquire(const std::string& pin_dir,
                                              const std::string& lock_dir);
  // The lock file for a pin directory ("/sys/fs/bpf/xdpguard" -> ".../sys%fs%bpf%xdpguard.lock").
  static std::string PathFor(const std::string& pin_dir, const std::string& lock_dir);

 private:
  explicit InstanceLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace xdpguard::daemon

#endif  // XDPGUARD_DAEMON_INSTANCE_LOCK_H_
