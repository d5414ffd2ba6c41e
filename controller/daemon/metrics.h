// SPDX-License-Identifier: GPL-2.0
// Prometheus exposition for the daemon (prometheus-cpp). Nothing is counted twice: every
// value is read at scrape time from where it lives, the datapath's per-CPU maps (summed
// over CPUs) and the feed status files. Labels stay bounded: per family/verdict, per
// origin (manual, config, one per feed), per feed and error reason, per guard stat kind,
// per interface (at most XG_MAX_IF_SLOTS counter blocks). Entry counts and fill ratios
// come from the background census (map_census.h), not from a walk per scrape.
#ifndef XDPGUARD_DAEMON_METRICS_H_
#define XDPGUARD_DAEMON_METRICS_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "config/config.h"
#include "daemon/guards.h"
#include "daemon/interface_watch.h"
#include "daemon/map_census.h"
#include "prometheus/collectable.h"
#include "prometheus/exposer.h"

namespace xdpguard::daemon {

class MetricsCollector : public prometheus::Collectable {
 public:
  MetricsCollector(std::string pin_dir, std::shared_ptr<const GuardEventReader> guard_events,
                   std::shared_ptr<const CensusThread> census)
      : pin_dir_(std::move(pin_dir)),
        guard_events_(std::move(guard_events)),
        census_(std::move(census)) {}
  // The config whose feeds are reported (replaced on reload).
  void SetConfig(const config::Config& cfg);
  // A reload attempt's outcome: a refused config leaves the running one and is counted.
  void RecordReload(bool accepted);
  // Where per-interface attachment and re-attach counts come from.
  void SetInterfaceSource(std::shared_ptr<const InterfaceWatch> watch);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::string pin_dir_;
  std::shared_ptr<const GuardEventReader> guard_events_;
  std::shared_ptr<const CensusThread> census_;
  mutable std::mutex mu_;
  std::shared_ptr<const config::Config> config_;
  bool last_reload_ok_ = true;  // the config the service started with was accepted
  uint64_t reloads_ok_ = 0, reloads_refused_ = 0;
  std::shared_ptr<const InterfaceWatch> interfaces_;
};

// Serves /metrics on listen ("127.0.0.1:9469"). Fails if the address is taken.
class MetricsServer {
 public:
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(const std::string& listen,
                                                              std::shared_ptr<MetricsCollector> c);

 private:
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::shared_ptr<MetricsCollector> collector_;
};

}  // namespace xdpguard::daemon

#endif  // XDPGUARD_DAEMON_METRICS_H_
