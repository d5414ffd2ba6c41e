// SPDX-License-Identifier: GPL-2.0
// Keeps the service's interfaces protected. Whatever takes xdpguard's program off an
// interface (an operator's `xdpguard detach`, `ip link set ... xdp off`, the interface
// deleted and re-created with the same name, a NIC that appears after the service started)
// must not leave it silently unprotected: the watch re-attaches within a second, logs it
// and counts it. An interface that does not exist is waited for; a foreign XDP program is
// never replaced, and that is an alert. It listens to rtnetlink link events to act at once
// and checks every interface at least once a second (a detach does not always send one).
#ifndef XDPGUARD_DAEMON_INTERFACE_WATCH_H_
#define XDPGUARD_DAEMON_INTERFACE_WATCH_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"
#include "config/config.h"
#include "datapath/attach.h"

namespace xdpguard::daemon {

// One configured interface as the service last found it.
struct InterfaceHealth {
  enum class State { kUnknown, kProtected, kMissing, kForeign, kFailed };
  State state = State::kUnknown;
  std::string mode;         // "native", "generic", ... while protected
  uint64_t reattaches = 0;  // times xdpguard's program had to be put back
};

class InterfaceWatch {
 public:
  // Subscribes to rtnetlink link events (fd() becomes readable on one).
  static absl::StatusOr<std::shared_ptr<InterfaceWatch>> Open();
  int fd() const { return sock_.get(); }
  // Reads (and discards) every pending event.
  void Drain();

  // Looks at every interface of cfg and puts xdpguard's program back where it is gone.
  // Interfaces no longer in cfg are forgotten. Returns true when it attached anything: the
  // caller then restores the lists, since a detach without --keep-maps removed the pinned
  // maps and the attach created empty ones.
  bool Check(const std::string& pin_dir, const config::Config& cfg);

  std::map<std::string, InterfaceHealth> Health() const;

 private:
  explicit InterfaceWatch(UniqueFd sock) : sock_(std::move(sock)) {}
  UniqueFd sock_;
  mutable std::mutex mu_;  // Health() is read by the metrics thread
  std::map<std::string, InterfaceHealth> health_;
};

// Attaches (or adopts) one configured interface with its settings, under the pin lock.
absl::StatusOr<datapath::AttachResult> AttachConfigured(const std::string& pin_dir,
                                                        const config::Config& cfg,
                                                        const config::InterfaceConfig& ic);
// "attached; native mode failed (...), using generic": what an attach did, for the log.
std::string AttachSummary(const datapath::AttachResult& r);

}  // namespace xdpguard::daemon

#endif  // XDPGUARD_DAEMON_INTERFACE_WATCH_H_
