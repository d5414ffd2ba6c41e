// SPDX-License-Identifier: GPL-2.0
// The reference classifier of the packet differential fuzzer: an independent model of what
// the XDP program must do with one frame, written from the datapath's contract (docs/
// datapath.md and the comments in maps/xdpguard_maps.h), not from its code. It parses the
// frame byte by byte, matches the source against the lists naively (every rule, sorted by
// prefix length, no length masks, no buckets, no verdict cache), applies the action and
// says which counters move. Nothing from bpf/ is included: a shared bug would hide itself.
//
// Rate limits depend on the kernel's clock, which the model cannot know exactly: the
// driver tells it the time bracket around the run and the bucket the kernel held before,
// and checks the kernel's outcome against what that bracket allows (see RateLimitCheck).
#ifndef XDPGUARD_TEST_FUZZ_PACKET_MODEL_H_
#define XDPGUARD_TEST_FUZZ_PACKET_MODEL_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "guard/mac.h"
#include "net/cidr.h"
#include "xdpguard_guard.h"
#include "xdpguard_maps.h"

namespace xdpguard::fuzz {

struct ModelRule {
  net::Cidr cidr;
  xg_rule rule{};
};

struct ModelGuard {
  net::Cidr gateway;  // /32 or /128
  std::vector<guard::Mac> macs;
  bool drop = false;
};

// What the datapath is configured with, for the one interface the frames arrive on.
struct World {
  std::vector<ModelRule> block;  // unique CIDRs
  std::vector<net::Cidr> allow;  // unique CIDRs
  std::vector<ModelGuard> guards;
  bool if_monitor = false;
};

// The facts of a frame the lists are matched on.
struct MatchFacts {
  net::Cidr source;  // the full address (/32 or /128)
  bool ports_known = false;
  uint16_t dport = 0;  // host order
  uint8_t l4proto = 0;
  uint8_t tcp_flags = 0;
};

// What must happen to one frame.
struct Expectation {
  int action = 2;  // XDP_PASS; XDP_DROP = 1
  uint8_t cls = XG_CLASS_PASS;
  uint8_t family = XG_FAM_OTHER;
  uint8_t reason = XG_REASON_NONE;
  uint64_t bytes = 0;
  bool matched = false;  // a blocklist rule applied: rule and origin counters move
  net::Cidr rule;
  uint16_t origin = 0;
  std::array<uint64_t, XG_GSTAT_MAX> guard{};  // guard counters (events in `reports`)
  uint32_t reports = 0;  // spoofed frames reported: events + deduplicated + ring buffer full
  // A rate-limit rule applied: the class depends on the bucket (RateLimitCheck decides).
  bool rate_limited = false;
  xg_bucket_key bucket{};
  xg_rule rl_rule{};
  bool monitor = false;  // rule or interface monitor (an over-limit packet passes)
  std::string trace;     // how the model decided, for a mismatch report
};

// Classifies one frame arriving on the interface described by `world`. `now_ns` is only
// used to decide expiry, and the driver's worlds use deadlines far from any bracket.
Expectation Classify(const World& world, const std::vector<uint8_t>& frame, uint64_t now_ns);

// The bucket state the kernel holds for a rate limit (xg_bucket).
struct BucketState {
  uint64_t tat_ns = 0;
  uint64_t byte_tat_ns = 0;
};

// Checks one rate-limited packet: given the bucket before (absent = a fresh bucket), the
// kernel's clock somewhere in [t0, t1], and the bucket after, decides whether the packet
// conformed (*conformed) and returns an empty string, or explains why no clock value in the
// bracket explains the kernel's state (GCRA: the contract in docs/cli.md, "Rate limits").
std::string RateLimitCheck(const xg_rule& rule, uint64_t bytes,
                           const std::optional<BucketState>& before,
                           const std::optional<BucketState>& after, uint64_t t0, uint64_t t1,
                           bool* conformed);

// Completes an expectation once the rate-limit outcome is known.
void ApplyRateLimitOutcome(Expectation* e, bool conformed);

}  // namespace xdpguard::fuzz

#endif  // XDPGUARD_TEST_FUZZ_PACKET_MODEL_H_
