// SPDX-License-Identifier: GPL-2.0
// Our attached programs, pinned by id in the pin directory (PIN_DIR/prog-ID, 0600). A pin
// is how xdpguard recognises and handles its own program without BPF_PROG_GET_FD_BY_ID,
// which the kernel grants only with CAP_SYS_ADMIN: the program id netlink reports for an
// interface is ours when our pin of that id exists (and the program behind it is named
// like ours and uses our maps); the pin also gives the fd that an atomic replace or a
// guarded detach (XDP_FLAGS_REPLACE) needs. Programs attached before pins existed are still
// found through GET_FD_BY_ID where the caller may use it.
#ifndef XDPGUARD_DATAPATH_PROGRAM_PINS_H_
#define XDPGUARD_DATAPATH_PROGRAM_PINS_H_

#include <cstdint>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace xdpguard::datapath {

std::string ProgramPinPath(const std::string& pin_dir, uint32_t id);

// The id of the program behind fd, or 0 when the kernel does not say.
uint32_t ProgramId(int fd);

// Pins the program behind fd as PIN_DIR/prog-<its id> (an existing pin of that id is kept).
absl::Status PinProgram(int fd, const std::string& pin_dir);

// Removes the pin of program id; absent is fine.
absl::Status UnpinProgram(const std::string& pin_dir, uint32_t id);

// The program with this id: from our pin (checked to be that id), else by id, which needs
// CAP_SYS_ADMIN. PermissionDenied says so when neither works.
absl::StatusOr<UniqueFd> OpenProgram(const std::string& pin_dir, uint32_t id);

// Our pin of program id, or an invalid fd when there is none (or it names another id).
UniqueFd OpenPinnedProgram(const std::string& pin_dir, uint32_t id);

// Unpins the programs whose ids are not in `attached` (our program stays pinned after its
// interface is deleted; the pin alone would keep it in kernel memory). Returns how many.
absl::StatusOr<int> PruneProgramPins(const std::string& pin_dir, const std::set<uint32_t>& attached);

}  // namespace xdpguard::datapath

#endif  // XDPGUARD_DATAPATH_PROGRAM_PINS_H_
