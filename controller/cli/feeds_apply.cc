// SPDX-License-Identifier: GPL-2.0
#include "cli/feeds_apply.h"

#include "cli/session.h"

namespace xdpguard::cli {

absl::StatusOr<feeds::ApplySummary> ApplyFeedsLocked(const Context& ctx, feeds::FeedEngine& engine,
                                                     bool resync) {
  absl::StatusOr<WriteSession> session = OpenForWrite(ctx);
  if (!session.ok()) return session.status();
  datapath::PrefixTable<xg_rule> block = session->maps->Blocklist();
  absl::StatusOr<std::vector<datapath::PrefixTable<xg_allow>::Entry>> allow =
      session->maps->Allowlist().List();
  if (!allow.ok()) return allow.status();
  std::vector<net::Cidr> allowlist;
  for (const auto& e : *allow) allowlist.push_back(e.cidr);
  return engine.Apply(&block, allowlist, resync);
}

}  // namespace xdpguard::cli
