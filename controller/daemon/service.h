// SPDX-License-Identifier: GPL-2.0
// The service behind `xdpguard run` (service.cc has the whole story): attach, keep the
// config's lists, feeds and guards in the maps, serve metrics, reload on SIGHUP, exit on
// SIGTERM/SIGINT.
#ifndef XDPGUARD_DAEMON_SERVICE_H_
#define XDPGUARD_DAEMON_SERVICE_H_

#include <string>

#include "absl/status/status.h"

namespace xdpguard::daemon {

struct ServiceOptions {
  std::string config_path;
  std::string pin_dir;          // used unless the config sets pin_dir
  bool detach_on_exit = false;  // SIGTERM detaches the config's interfaces
};

// Runs until SIGTERM/SIGINT (OK). An error before the loop starts (bad config, no
// privileges, metrics port taken) is returned; errors after it are logged and survived.
absl::Status RunService(const ServiceOptions& options);

}  // namespace xdpguard::daemon

#endif  // XDPGUARD_DAEMON_SERVICE_H_
