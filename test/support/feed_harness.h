// SPDX-License-Identifier: GPL-2.0
// The feed engine's test bench: blocklist tables on in-memory maps, dumped as text for
// byte-for-byte comparisons, and a scripted fetcher that answers with the next response
// and remembers the last request.
#ifndef XDPGUARD_TEST_SUPPORT_FEED_HARNESS_H_
#define XDPGUARD_TEST_SUPPORT_FEED_HARNESS_H_

#include <algorithm>
#include <string>
#include <vector>

#include "fake_map.h"
#include "datapath/prefix_table.h"
#include "feeds/feed_engine.h"

namespace xdpguard::test {

struct Maps {
  datapath::FakeMap v4{"xg_block_v4", sizeof(xg_lpm_v4_key), sizeof(xg_rule), 100000};
  datapath::FakeMap v6{"xg_block_v6", sizeof(xg_lpm_v6_key), sizeof(xg_rule), 100000};
  datapath::PrefixTable<xg_rule> table = *datapath::PrefixTable<xg_rule>::Create(&v4, &v6, datapath::TestMasks());

  // The whole enforced set as text, for byte-for-byte comparisons.
  std::vector<std::string> Dump() const {
    std::vector<std::string> out;
    // Keep the list alive: a range-for over List().value() would dangle.
    const std::vector<datapath::PrefixTable<xg_rule>::Entry> entries = table.List().value();
    for (const auto& e : entries)
      out.push_back(e.cidr.ToString() + " o" + std::to_string(e.value.origin) + " a" +
                    std::to_string(e.value.action) + " f" + std::to_string(e.value.flags) +
                    " p" + std::to_string(e.value.rl_pps));
    std::sort(out.begin(), out.end());
    return out;
  }
};

// A scripted server: the next response (or transport error) and the last request seen.
struct Server {
  absl::StatusOr<feeds::FetchResponse> next = absl::UnavailableError("not scripted");
  feeds::FetchRequest last;
  int calls = 0;
  feeds::FetchFn Fn() {
    return [this](const feeds::FetchRequest& r) {
      last = r;
      calls++;
      return next;
    };
  }
  void Reply(long status, std::string body, std::string etag = "") {
    feeds::FetchResponse r;
    r.http_status = status;
    r.body = std::move(body);
    r.etag = std::move(etag);
    next = r;
  }
};

}  // namespace xdpguard::test

#endif  // XDPGUARD_TEST_SUPPORT_FEED_HARNESS_H_
