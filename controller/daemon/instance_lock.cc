// SPDX-License-Identifier: GPL-2.0
#include "daemon/instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "common/errno_status.h"

namespace xdpguard::daemon {

std::string DefaultLockDir() {
  const char* env = std::getenv("RUNTIME_DIRECTORY");
  if (env && *env == '/') return std::string(absl::string_view(env).substr(0, absl::string_view(env).find(':')));
  return "/run/xdpguard";
}

std::string InstanceLock::PathFor(const std::string& pin_dir, const std::string& lock_dir) {
  // '/' cannot be in a file name and '%' rarely is in a path: the name stays readable.
  std::string name(absl::StripSuffix(absl::StripPrefix(pin_dir, "/"), "/"));
  return absl::StrCat(lock_dir, "/", absl::StrReplaceAll(name, {{"%", "%25"}, {"/", "%"}}), ".lock");
}

absl::StatusOr<InstanceLock> InstanceLock::Acquire(const std::string& pin_dir,
                                                   const std::string& lock_dir) {
  if (mkdir(lock_dir.c_str(), 0755) != 0 && errno != EEXIST)
    return ErrnoToStatus(errno, absl::StrCat("create ", lock_dir));
  const std::string path = PathFor(pin_dir, lock_dir);
  UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!fd.valid()) return ErrnoToStatus(errno, absl::StrCat("open ", path));
  if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) return ErrnoToStatus(errno, absl::StrCat("lock ", path));
    char buf[32] = {};
    ssize_t n = pread(fd.get(), buf, sizeof(buf) - 1, 0);
    int pid = 0;
    const bool known = n > 0 && absl::SimpleAtoi(absl::StripAsciiWhitespace(absl::string_view(buf, n)), &pid);
    return absl::FailedPreconditionError(absl::StrCat(
        "another xdpguard service", known ? absl::StrCat(" (PID ", pid, ")") : std::string(),
        " already runs on ", pin_dir, " (lock ", path,
        "): two services on one pin directory would undo each other's entries"));
  }
  // Ours now: record our PID for the next one's message.
  std::string pid = absl::StrCat(getpid(), "\n");
  if (ftruncate(fd.get(), 0) != 0 || pwrite(fd.get(), pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
    return ErrnoToStatus(errno, absl::StrCat("write ", path));
  return InstanceLock(std::move(fd));
}

}  // namespace xdpguard::daemon
