// SPDX-License-Identifier: GPL-2.0
// Opening the pinned state, for the CLI's verbs and the service alike: readers just open
// the maps; writers first take the pin-directory lock so concurrent CLIs and the service
// never interleave their writes. Privileges are checked first, so a caller without them
// fails before any side effect.
#ifndef XDPGUARD_SESSION_SESSION_H_
#define XDPGUARD_SESSION_SESSION_H_

#include <memory>

#include "absl/status/statusor.h"
#include "datapath/pin_dir.h"
#include "datapath/pinned_maps.h"

namespace xdpguard::session {

struct WriteSession {
  datapath::PinDirLock lock;
  std::unique_ptr<datapath::PinnedMaps> maps;
};

absl::StatusOr<std::unique_ptr<datapath::PinnedMaps>> OpenForRead(const std::string& pin_dir);
absl::StatusOr<WriteSession> OpenForWrite(const std::string& pin_dir);

// Fails early, before any side effect, when the process lacks what BPF needs
// (privileges.cc). needs_net_admin: attaching to interfaces, not only the maps;
// loads_program: loading the XDP program (attach, the service), which needs CAP_PERFMON.
absl::Status CheckPrivileges(bool needs_net_admin, bool loads_program = false);

}  // namespace xdpguard::session

#endif  // XDPGUARD_SESSION_SESSION_H_
