// SPDX-License-Identifier: GPL-2.0
#include "datapath/pin_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/errno_status.h"
#include "spdlog/spdlog.h"
#include "xdpguard_maps.h"

namespace xdpguard::datapath {
namespace {

std::string Parent(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

bool IsBpffs(const std::string& path) {
  struct statfs st {};
  return statfs(path.c_str(), &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

}  // namespace

std::string DefaultPinDir() {
  const char* env = std::getenv("XDPGUARD_PIN_DIR");
  return env && *env ? env : XG_PIN_DIR;
}

absl::Status EnsureBpffs(const std::string& pin_dir) {
  if (pin_dir.empty() || pin_dir[0] != '/')
    return absl::InvalidArgumentError(
        absl::StrCat("pin directory '", pin_dir, "' must be an absolute path"));
  std::string parent = Parent(pin_dir);
  if (IsBpffs(parent)) return absl::OkStatus();
  // Only the standard mount point is mounted for the user; anything else is their setup.
  if (parent != "/sys/fs/bpf")
    return absl::FailedPreconditionError(
        absl::StrCat(parent, " is not a bpffs mount; mount one there or choose a pin "
                             "directory under /sys/fs/bpf"));
  if (mount("bpf", parent.c_str(), "bpf", 0, "mode=0700") != 0)
    return ErrnoToStatus(errno, absl::StrCat("mount bpffs on ", parent,
                                             " (xdpguard never runs unpinned)"));
  spdlog::info("mounted bpffs on {} (it was not mounted)", parent);
  return absl::OkStatus();
}

absl::Status CheckPinDir(const std::string& pin_dir) {
  struct stat st {};
  if (lstat(pin_dir.c_str(), &st) != 0) return ErrnoToStatus(errno, absl::StrCat("stat ", pin_dir));
  if (!S_ISDIR(st.st_mode))
    return absl::FailedPreconditionError(
        absl::StrCat(pin_dir, " is not a directory (a symlink or file is refused)"));
  if (st.st_uid != geteuid())
    return absl::FailedPreconditionError(absl::StrCat(
        pin_dir, " is owned by uid ", st.st_uid, ", not by this user (uid ", geteuid(),
        "); refusing state that xdpguard did not create"));
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return absl::FailedPreconditionError(absl::StrCat(
        pin_dir, " is group- or world-writable (mode ", absl::StrFormat("%04o", st.st_mode & 07777),
        "); refusing state others could have tampered with"));
  return absl::OkStatus();
}

absl::Status CreatePinDir(const std::string& pin_dir) {
  if (absl::Status s = EnsureBpffs(pin_dir); !s.ok()) return s;
  if (mkdir(pin_dir.c_str(), 0700) != 0 && errno != EEXIST)
    return ErrnoToStatus(errno, absl::StrCat("create pin directory ", pin_dir));
  return CheckPinDir(pin_dir);
}

absl::Status RestrictPins(const std::string& pin_dir) {
  DIR* dir = opendir(pin_dir.c_str());
  if (!dir) return ErrnoToStatus(errno, absl::StrCat("open ", pin_dir));
  absl::Status status;
  while (struct dirent* ent = readdir(dir)) {
    std::string name = ent->d_name;
    if (name == "." || name == "..") continue;
    std::string path = absl::StrCat(pin_dir, "/", name);
    if (chmod(path.c_str(), 0600) != 0 && status.ok())
      status = ErrnoToStatus(errno, absl::StrCat("chmod 0600 ", path));
  }
  closedir(dir);
  return status;
}

absl::StatusOr<PinDirLock> PinDirLock::Acquire(const std::string& pin_dir, int timeout_ms) {
  int fd = open(pin_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoToStatus(errno, absl::StrCat("open ", pin_dir, " for locking"));
  UniqueFd owned(fd);
  for (int waited = 0;; waited += 50) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) return PinDirLock(std::move(owned));
    if (errno != EWOULDBLOCK) return ErrnoToStatus(errno, absl::StrCat("lock ", pin_dir));
    if (waited >= timeout_ms)
      return absl::UnavailableError(absl::StrCat(
          "another xdpguard process holds the lock on ", pin_dir, " (waited ", timeout_ms,
          " ms); try again"));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace xdpguard::datapath
