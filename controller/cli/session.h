// SPDX-License-Identifier: GPL-2.0
// Opening the pinned state for a verb: readers just open the maps; writers first take the
// pin-directory lock so concurrent CLIs and the daemon never interleave their writes.
#ifndef XDPGUARD_CLI_SESSION_H_
#define XDPGUARD_CLI_SESSION_H_

#include <memory>

#include "absl/status/statusor.h"
#include "cli/commands.h"
#include "datapath/pin_dir.h"
#include "datapath/pinned_maps.h"

namespace xdpguard::cli {

struct WriteSession {
  datapath::PinDirLock lock;
  std::unique_ptr<datapath::PinnedMaps> maps;
};

absl::StatusOr<std::unique_ptr<datapath::PinnedMaps>> OpenForRead(const Context& ctx);
absl::StatusOr<WriteSession> OpenForWrite(const Context& ctx);

}  // namespace xdpguard::cli

#endif  // XDPGUARD_CLI_SESSION_H_
