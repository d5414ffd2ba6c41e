// SPDX-License-Identifier: GPL-2.0
#include "datapath/program_pins.h"

#include <bpf/bpf.h>
#include <dirent.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "datapath/pin_dir.h"

namespace xdpguard::datapath {
namespace {

constexpr char kPrefix[] = "prog-";

}  // namespace

uint32_t ProgramId(int fd) {
  bpf_prog_info info{};
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) return 0;
  return info.id;
}

std::string ProgramPinPath(const std::string& pin_dir, uint32_t id) {
  return absl::StrCat(pin_dir, "/", kPrefix, id);
}

absl::Status PinProgram(int fd, const std::string& pin_dir) {
  const uint32_t id = ProgramId(fd);
  if (id == 0) return ErrnoToStatus(errno, "read the program's id for its pin");
  const std::string path = ProgramPinPath(pin_dir, id);
  if (bpf_obj_pin(fd, path.c_str()) != 0 && errno != EEXIST)
    return ErrnoToStatus(errno, absl::StrCat("pin program ", id, " at ", path));
  return RestrictPin(pin_dir, path);
}

absl::Status UnpinProgram(const std::string& pin_dir, uint32_t id) {
  const std::string path = ProgramPinPath(pin_dir, id);
  if (unlink(path.c_str()) != 0 && errno != ENOENT)
    return ErrnoToStatus(errno, absl::StrCat("unpin ", path));
  return absl::OkStatus();
}

UniqueFd OpenPinnedProgram(const std::string& pin_dir, uint32_t id) {
  UniqueFd fd(bpf_obj_get(ProgramPinPath(pin_dir, id).c_str()));
  if (fd.valid() && ProgramId(fd.get()) != id) return UniqueFd();
  return fd;
}

absl::StatusOr<UniqueFd> OpenProgram(const std::string& pin_dir, uint32_t id) {
  UniqueFd pinned = OpenPinnedProgram(pin_dir, id);
  if (pinned.valid()) return pinned;
  UniqueFd by_id(bpf_prog_get_fd_by_id(id));
  if (by_id.valid()) return by_id;
  if (errno == EPERM)
    return absl::PermissionDeniedError(absl::StrCat(
        "program ", id, " has no pin in ", pin_dir, " and opening it by id needs CAP_SYS_ADMIN"));
  return ErrnoToStatus(errno, absl::StrCat("open program ", id));
}

absl::StatusOr<int> PruneProgramPins(const std::string& pin_dir, const std::set<uint32_t>& attached) {
  DIR* dir = opendir(pin_dir.c_str());
  if (!dir) {
    if (errno == ENOENT) return 0;
    return ErrnoToStatus(errno, absl::StrCat("open ", pin_dir));
  }
  std::vector<uint32_t> stale;
  while (struct dirent* ent = readdir(dir)) {
    uint32_t id = 0;
    const std::string name = ent->d_name;
    if (!absl::StartsWith(name, kPrefix) || !absl::SimpleAtoi(name.substr(sizeof(kPrefix) - 1), &id))
      continue;
    if (!attached.count(id)) stale.push_back(id);
  }
  closedir(dir);
  for (uint32_t id : stale)
    if (absl::Status s = UnpinProgram(pin_dir, id); !s.ok()) return s;
  return static_cast<int>(stale.size());
}

}  // namespace xdpguard::datapath
