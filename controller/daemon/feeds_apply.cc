// SPDX-License-Identifier: GPL-2.0
#include "daemon/feeds_apply.h"

#include "session/session.h"

namespace xdpguard::daemon {

absl::StatusOr<feeds::ApplySummary> ApplyFeedsLocked(const std::string& pin_dir, feeds::FeedEngine& engine,
                                                     bool resync) {
  absl::StatusOr<session::WriteSession> ws = session::OpenForWrite(pin_dir);
  if (!ws.ok()) return ws.status();
  datapath::PrefixTable<xg_rule> block = ws->maps->Blocklist();
  absl::StatusOr<std::vector<datapath::PrefixTable<xg_allow>::Entry>> allow =
      ws->maps->Allowlist().List();
  if (!allow.ok()) return allow.status();
  std::vector<net::Cidr> allowlist;
  for (const auto& e : *allow) allowlist.push_back(e.cidr);
  return engine.Apply(&block, allowlist, resync);
}

}  // namespace xdpguard::daemon
