// SPDX-License-Identifier: GPL-2.0
// The pin directory that holds xdpguard's enforcement state on bpffs: mounting bpffs when
// absent, creating the directory 0700, refusing one that xdpguard did not create (wrong
// owner, group- or world-writable), and the flock that serialises every writer (CLI
// invocations and the daemon alike).
#ifndef XDPGUARD_DATAPATH_PIN_DIR_H_
#define XDPGUARD_DATAPATH_PIN_DIR_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace xdpguard::datapath {

// Default location; overridable with --pin-dir or XDPGUARD_PIN_DIR (tests use their own).
std::string DefaultPinDir();

// Mounts bpffs on the mount point of pin_dir's parent (/sys/fs/bpf) when it is not bpffs.
// Logs a message when it mounts. Fails clearly rather than running unpinned.
absl::Status EnsureBpffs(const std::string& pin_dir);

// "/sys/fs/bpf//a/./b/../pins/" -> "/sys/fs/bpf/a/pins" (lexically: no symlink is ever
// followed on the way, so this is the directory the walk opens). InvalidArgument if not
// absolute.
absl::StatusOr<std::string> NormalizePinDir(const std::string& pin_dir);

// Verifies an existing pin directory: a directory, owned by the effective uid, not group-
// or world-writable, reached from "/" without following a symlink, and every directory
// between the bpffs mount root and it owned by the effective uid and not group- or
// world-writable (else its owner could rename the state away). Root also accepts the
// service account as owner (XDPGUARD_SERVICE_USER, default "xdpguard": the user the systemd
// unit runs as), so the operator's CLI works on the service's state. NotFound if it does
// not exist.
absl::Status CheckPinDir(const std::string& pin_dir);

// Creates pin_dir 0700 if absent (after EnsureBpffs), then CheckPinDir.
absl::Status CreatePinDir(const std::string& pin_dir);

// Makes every pin in pin_dir mode 0600, owned by the directory's owner (root adding pins
// to the service user's directory hands them over).
absl::Status RestrictPins(const std::string& pin_dir);
// The same for one pin.
absl::Status RestrictPin(const std::string& pin_dir, const std::string& path);

// An exclusive flock on the pin directory, held for the object's lifetime. Blocks up to
// timeout_ms waiting for another writer, then fails naming the wait.
class PinDirLock {
 public:
  static absl::StatusOr<PinDirLock> Acquire(const std::string& pin_dir, int timeout_ms = 10000);

 private:
  explicit PinDirLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace xdpguard::datapath

#endif  // XDPGUARD_DATAPATH_PIN_DIR_H_
