// SPDX-License-Identifier: GPL-2.0
// The systemd notification protocol (sd_notify(3)) without libsystemd: datagrams to
// $NOTIFY_SOCKET saying READY=1 (interfaces attached and the lists applied), STATUS= (a
// one-line summary), RELOADING=1 / READY=1 around a reload, STOPPING=1, and WATCHDOG=1 at
// half of $WATCHDOG_USEC from the main loop (a hung loop stops the pings and systemd
// restarts the service). Every call is a no-op when systemd did not ask for it.
#ifndef XDPGUARD_DAEMON_SYSTEMD_NOTIFY_H_
#define XDPGUARD_DAEMON_SYSTEMD_NOTIFY_H_

#include <chrono>
#include <cstdint>
#include <string>

#include "common/unique_fd.h"

namespace xdpguard::daemon {

class SystemdNotifier {
 public:
  // Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID from the environment.
  SystemdNotifier();

  bool enabled() const { return fd_.valid(); }
  void Ready(const std::string& status);
  void Reloading();
  void Status(const std::string& status);
  void Stopping();
  // Sends WATCHDOG=1 when half the watchdog interval has passed since the last ping.
  void WatchdogTick();
  // How often WatchdogTick must run at least (zero: no watchdog).
  std::chrono::milliseconds watchdog_period() const { return watchdog_period_; }

 private:
  void Send(const std::string& message);

  UniqueFd fd_;
  std::string address_;  // socket path; a leading '@' is the abstract namespace
  std::chrono::milliseconds watchdog_period_{0};
  std::chrono::steady_clock::time_point last_ping_{};
};

}  // namespace xdpguard::daemon

#endif  // XDPGUARD_DAEMON_SYSTEMD_NOTIFY_H_
