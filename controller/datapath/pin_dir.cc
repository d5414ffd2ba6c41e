// SPDX-License-Identifier: GPL-2.0
#include "datapath/pin_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
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

// The service account's uid, or -1 when there is no such user.
uid_t ServiceUid() {
  const char* env = std::getenv("XDPGUARD_SERVICE_USER");
  const struct passwd* pw = getpwnam(env && *env ? env : "xdpguard");
  return pw ? pw->pw_uid : static_cast<uid_t>(-1);
}

// Whose state this process may use: its own, and for root also the service account's (a
// service running as its own user owns the pins; the operator's root CLI works on them).
bool TrustedOwner(uid_t owner) {
  return owner == geteuid() || (geteuid() == 0 && owner == ServiceUid());
}

std::string OwnerRule() {
  return geteuid() == 0 ? "this user or the service user (XDPGUARD_SERVICE_USER, default xdpguard)"
                        : "this user";
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

absl::StatusOr<std::string> NormalizePinDir(const std::string& pin_dir) {
  if (pin_dir.empty() || pin_dir[0] != '/')
    return absl::InvalidArgumentError(absl::StrCat("the pin directory must be an absolute path, got '", pin_dir, "'"));
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(pin_dir, '/', absl::SkipEmpty())) {
    if (part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.emplace_back(part);
  }
  return absl::StrCat("/", absl::StrJoin(parts, "/"));
}

namespace {

std::string Mode(const struct stat& st) { return absl::StrFormat("%04o", st.st_mode & 07777); }

// Opens path one component at a time from "/", never following a symlink, and checks
// every directory on the pin filesystem below its mount root: owned by us and not
// group- or world-writable, so nobody else can rename the pin directory away or plant a
// symlink in its path after the check. The mount root itself (bpffs is 1777 here) and
// the system directories above it are only required to be directories.
// leaf_may_be_missing: the last component need not exist yet (before mkdir).
absl::Status WalkPinDirPath(const std::string& path, bool leaf_may_be_missing) {
  UniqueFd dir(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) return ErrnoToStatus(errno, "open /");
  bool parent_on_bpffs = false;
  std::string walked;
  std::vector<std::string> parts = absl::StrSplit(path, '/', absl::SkipEmpty());
  for (size_t i = 0; i < parts.size(); i++) {
    const bool leaf = i + 1 == parts.size();
    absl::StrAppend(&walked, "/", parts[i]);
    UniqueFd next(openat(dir.get(), parts[i].c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next.valid()) {
      if (errno == ENOENT && leaf && leaf_may_be_missing) return absl::OkStatus();
      if (errno == ENOTDIR || errno == ELOOP)
        return absl::FailedPreconditionError(absl::StrCat(
            walked, " is not a directory (a symlink or file in the pin directory's path is refused)"));
      return ErrnoToStatus(errno, absl::StrCat("open ", walked));
    }
    struct stat st {};
    struct statfs fs {};
    if (fstat(next.get(), &st) != 0 || fstatfs(next.get(), &fs) != 0)
      return ErrnoToStatus(errno, absl::StrCat("stat ", walked));
    const bool on_bpffs = fs.f_type == BPF_FS_MAGIC;
    if (on_bpffs && parent_on_bpffs && !leaf) {
      if (!TrustedOwner(st.st_uid))
        return absl::FailedPreconditionError(absl::StrCat(
            walked, " (on the pin directory's path) is owned by uid ", st.st_uid, ", not by ",
            OwnerRule(), " (uid ", geteuid(), "): its owner could move the state away"));
      if (st.st_mode & (S_IWGRP | S_IWOTH))
        return absl::FailedPreconditionError(absl::StrCat(
            walked, " (on the pin directory's path) is group- or world-writable (mode ", Mode(st),
            "): others could move the state away"));
    }
    parent_on_bpffs = on_bpffs;
    dir = std::move(next);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckPinDir(const std::string& pin_dir) {
  absl::StatusOr<std::string> path = NormalizePinDir(pin_dir);
  if (!path.ok()) return path.status();
  if (absl::Status s = WalkPinDirPath(*path, /*leaf_may_be_missing=*/false); !s.ok()) return s;
  struct stat st {};
  if (lstat(path->c_str(), &st) != 0) return ErrnoToStatus(errno, absl::StrCat("stat ", *path));
  if (!S_ISDIR(st.st_mode))
    return absl::FailedPreconditionError(
        absl::StrCat(*path, " is not a directory (a symlink or file is refused)"));
  if (!TrustedOwner(st.st_uid))
    return absl::FailedPreconditionError(absl::StrCat(
        *path, " is owned by uid ", st.st_uid, ", not by ", OwnerRule(), " (uid ", geteuid(),
        "); refusing state that xdpguard did not create"));
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return absl::FailedPreconditionError(absl::StrCat(
        *path, " is group- or world-writable (mode ", Mode(st),
        "); refusing state others could have tampered with"));
  return absl::OkStatus();
}

absl::Status CreatePinDir(const std::string& pin_dir) {
  if (absl::Status s = EnsureBpffs(pin_dir); !s.ok()) return s;
  // The path up to it is checked before anything is created in it.
  absl::StatusOr<std::string> path = NormalizePinDir(pin_dir);
  if (!path.ok()) return path.status();
  if (absl::Status s = WalkPinDirPath(*path, /*leaf_may_be_missing=*/true); !s.ok()) return s;
  if (mkdir(pin_dir.c_str(), 0700) != 0 && errno != EEXIST)
    return ErrnoToStatus(errno, absl::StrCat("create pin directory ", pin_dir));
  return CheckPinDir(pin_dir);
}

absl::Status RestrictPin(const std::string& pin_dir, const std::string& path) {
  if (chmod(path.c_str(), 0600) != 0) return ErrnoToStatus(errno, absl::StrCat("chmod 0600 ", path));
  // Root writing into the service user's directory: the pin is the service's too.
  struct stat dir {};
  if (stat(pin_dir.c_str(), &dir) != 0) return ErrnoToStatus(errno, absl::StrCat("stat ", pin_dir));
  struct stat pin {};
  if (lstat(path.c_str(), &pin) != 0) return ErrnoToStatus(errno, absl::StrCat("stat ", path));
  if (pin.st_uid != dir.st_uid && lchown(path.c_str(), dir.st_uid, dir.st_gid) != 0)
    return ErrnoToStatus(errno, absl::StrCat("chown ", path, " to the pin directory's owner"));
  return absl::OkStatus();
}

absl::Status RestrictPins(const std::string& pin_dir) {
  DIR* dir = opendir(pin_dir.c_str());
  if (!dir) return ErrnoToStatus(errno, absl::StrCat("open ", pin_dir));
  absl::Status status;
  while (struct dirent* ent = readdir(dir)) {
    std::string name = ent->d_name;
    if (name == "." || name == "..") continue;
    absl::Status s = RestrictPin(pin_dir, absl::StrCat(pin_dir, "/", name));
    if (!s.ok() && status.ok()) status = s;
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
