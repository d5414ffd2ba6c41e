// SPDX-License-Identifier: GPL-2.0
// The daemon's side of the gateway guard: the config's `guards` written to the guard maps
// (added or replaced; on reload, guards the previous config declared and the new one does
// not are removed; guards added with the CLI are left alone), and a reader thread that
// turns every alert in the ring buffer into a log line at once and counts it for metrics.
#ifndef XDPGUARD_DAEMON_GUARDS_H_
#define XDPGUARD_DAEMON_GUARDS_H_

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/statusor.h"
#include "config/config.h"
#include "datapath/pinned_maps.h"

namespace xdpguard::daemon {

// before: the config running until now (nullptr at start). Caller holds the writer lock.
void SyncGuards(const datapath::PinnedMaps& maps, const config::Config* before, const config::Config& cfg);

class GuardEventReader {
 public:
  ~GuardEventReader();
  // Starts the thread on the pinned ring buffer.
  absl::Status Start(const std::string& pin_dir);
  void Stop();
  // Alerts seen so far, per (interface name, kind).
  std::map<std::pair<std::string, std::string>, uint64_t> Counts() const;

 private:
  void Run();
  std::string pin_dir_;
  std::unique_ptr<datapath::PinnedMaps> maps_;  // opened once by the reader thread
  std::thread thread_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, uint64_t> counts_;
  friend int OnGuardEvent(void* ctx, void* data, size_t size);
};

}  // namespace xdpguard::daemon

#endif  // XDPGUARD_DAEMON_GUARDS_H_
