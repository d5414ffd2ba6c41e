// SPDX-License-Identifier: GPL-2.0
// run: the service's verb. Everything else is in daemon/service.cc.
#include "cli/args.h"
#include "cli/commands.h"
#include "daemon/service.h"

namespace xdpguard::cli {

int RunDaemon(const Context& ctx, const Argv& argv) {
  absl::StatusOr<Args> args = Args::Parse(argv, {{"detach-on-exit"}, {"config"}});
  if (!args.ok()) return Fail(args.status());
  if (!args->positionals().empty())
    return Fail(absl::InvalidArgumentError("usage: xdpguard run [--config FILE] [--detach-on-exit]"));
  daemon::ServiceOptions options{ConfigPath(*args), ctx.pin_dir, args->Has("detach-on-exit")};
  if (absl::Status s = daemon::RunService(options); !s.ok()) return Fail(s);
  return kExitOk;
}

}  // namespace xdpguard::cli
