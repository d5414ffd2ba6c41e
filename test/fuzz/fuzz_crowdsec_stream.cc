// SPDX-License-Identifier: GPL-2.0
// CrowdSec's decision stream as the Local API (or anything answering in its place) sends
// it: refused or parsed, never a crash; what parses goes into a decision set as a full pull
// and as a delta, and the set's saved form reads back to the same active decisions.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "feeds/crowdsec_stream.h"

using namespace xdpguard;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<feeds::DecisionBatch> batch = feeds::ParseDecisionStream(body);
  if (!batch.ok()) return 0;
  feeds::DecisionSet set;
  set.Replace(*batch, 1000);
  (void)set.Apply(*batch, 1001, 0.5);
  absl::StatusOr<feeds::DecisionSet> back = feeds::DecisionSet::Deserialize(set.Serialize());
  if (!back.ok()) abort();
  const auto a = set.Active(1002), b = back->Active(1002);
  if (a.size() != b.size()) abort();
  for (size_t i = 0; i < a.size(); i++)
    if (!(a[i].cidr == b[i].cidr) || a[i].type != b[i].type || a[i].expires_unix_s != b[i].expires_unix_s) abort();
  return 0;
}
