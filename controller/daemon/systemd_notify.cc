// SPDX-License-Identifier: GPL-2.0
#include "daemon/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace xdpguard::daemon {

SystemdNotifier::SystemdNotifier() {
  const char* socket_path = std::getenv("NOTIFY_SOCKET");
  if (!socket_path || (socket_path[0] != '/' && socket_path[0] != '@')) return;
  if (std::strlen(socket_path) >= sizeof(sockaddr_un{}.sun_path)) {
    spdlog::warn("NOTIFY_SOCKET too long, systemd notifications off");
    return;
  }
  address_ = socket_path;
  fd_ = UniqueFd(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd_.valid()) {
    spdlog::warn("systemd notifications off: socket: {}", std::strerror(errno));
    return;
  }
  // The watchdog is ours only when WATCHDOG_PID is unset or names this process.
  const char* usec = std::getenv("WATCHDOG_USEC");
  const char* pid = std::getenv("WATCHDOG_PID");
  uint64_t interval = 0, for_pid = 0;
  if (usec && absl::SimpleAtoi(usec, &interval) && interval > 0 &&
      (!pid || (absl::SimpleAtoi(pid, &for_pid) && for_pid == static_cast<uint64_t>(getpid()))))
    watchdog_period_ = std::chrono::milliseconds(interval / 2000);
}

void SystemdNotifier::Send(const std::string& message) {
  if (!fd_.valid()) return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, address_.data(), address_.size());
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';
  const socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
  if (sendto(fd_.get(), message.data(), message.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr), len) < 0)
    spdlog::warn("systemd notification failed: {}", std::strerror(errno));
}

void SystemdNotifier::Ready(const std::string& status) { Send(absl::StrCat("READY=1\nSTATUS=", status)); }

void SystemdNotifier::Reloading() {
  // MONOTONIC_USEC lets systemd (253+, Type=notify-reload) match the reload it asked for.
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  Send(absl::StrCat("RELOADING=1\nMONOTONIC_USEC=",
                    static_cast<uint64_t>(ts.tv_sec) * 1000000 + static_cast<uint64_t>(ts.tv_nsec) / 1000));
}

void SystemdNotifier::Status(const std::string& status) { Send("STATUS=" + status); }

void SystemdNotifier::Stopping() { Send("STOPPING=1"); }

void SystemdNotifier::WatchdogTick() {
  if (watchdog_period_.count() == 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ping_ < watchdog_period_) return;
  last_ping_ = now;
  Send("WATCHDOG=1");
}

}  // namespace xdpguard::daemon
