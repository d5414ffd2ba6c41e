// SPDX-License-Identifier: GPL-2.0
// Packet differential fuzzer: runs random and mutated frames through the real XDP program
// (BPF_PROG_TEST_RUN) under a random, changing configuration, and checks every verdict and
// every counter against the reference classifier (model.h). Needs root.
//
//   packet_diff [--packets N] [--seed S] [--frags] [--batch B] [--rules R] [--quiet]
//
// Per packet: the XDP action must equal the model's (an aborted or unknown action is a
// failure of its own). Per batch of B packets (and at the end): the verdict counters (every
// class and family, in total and per stats slot), the reason counters, the per-origin
// counters and the gateway guard's counters must equal the model's sums exactly; guard
// events, deduplicated frames and ring-buffer-full frames are compared as one sum (how they
// split depends on the clock). Per-rule counters are sampled by design when a CPU changes
// rules more than 64 times per tick (maps/xdpguard_maps.h), which this fuzzer always does:
// every rule the kernel counts must be one the model matched, the total must be within 5%
// and each rule with at least 20,000 expected hits within 25%. The rule counters' LRU has
// the product's default size (65,536), far more than the rules a run hits: with the
// tester's 1,024, a 2M-packet run hits ~2,000 rules and the (approximate) LRU evicted even
// a rule hit ~50,000 times, which restarts its count from zero as documented. Rate-limited packets are
// checked against the kernel's bucket before and after (model.h, RateLimitCheck).
// Prints one summary line; exits 1 on any mismatch. Reproducible from the seed, except
// for the clock (rate limits) and flow sampling.
#include <bpf/bpf.h>
#include <time.h>

#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>

#include "bpf_tester.h"
#include "datapath/keys.h"
#include "frames.h"
#include "model.h"
#include "world.h"

namespace xdpguard::fuzz {
namespace {

struct Options {
  uint64_t packets = 1000000;
  uint64_t seed = 0;
  bool frags = false;
  uint32_t batch = 1000;
  size_t rules = 300;
  bool quiet = false;
};

uint64_t MonotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

std::string Hex(const std::vector<uint8_t>& f) {
  std::string out;
  char b[4];
  for (size_t i = 0; i < f.size() && i < 160; i++) {
    snprintf(b, sizeof(b), "%02x", f[i]);
    out += b;
  }
  if (f.size() > 160) out += "...";
  return out;
}

// What the counters must have moved by, summed over a batch.
struct Sums {
  std::map<uint8_t, datapath::Verdicts> slots;  // stats slot -> verdicts
  std::array<uint64_t, XG_REASON_MAX> reasons{};
  std::array<xg_counter, XG_MAX_ORIGINS> origins{};
  std::array<uint64_t, XG_GSTAT_MAX> guard{};
  uint64_t reports = 0;
};

class Fuzzer {
 public:
  explicit Fuzzer(const Options& o)
      : opt_(o), tester_(o.frags, 8192, true, XG_DEFAULT_RULE_STATS_ENTRIES), world_(&tester_, o.seed), frames_(o.seed ^ 0x9e3779b97f4a7c15ull) {}

  int Run();

 private:
  void Packet(uint64_t index);
  void CompareCounters(uint64_t index);
  void CompareRules();
  std::optional<BucketState> Bucket(const xg_bucket_key& key);
  void Fail(const std::string& what);

  Options opt_;
  test::BpfTester tester_;
  WorldDriver world_;
  FrameGenerator frames_;
  datapath::Counters last_;
  Sums want_;
  std::map<net::Cidr, uint64_t> rule_hits_;  // the model's per-rule packet counts, whole run
  uint64_t mismatches_ = 0, aborted_ = 0, counter_checks_ = 0, rate_checks_ = 0,
           mutations_ = 0, reported_ = 0;
  std::array<uint64_t, XG_CLASS_MAX> classes_{};
  std::array<uint64_t, XG_REASON_MAX> reasons_seen_{};  // whole run, for the coverage line
  std::array<uint64_t, XG_GSTAT_MAX> guard_seen_{};
  uint64_t reports_seen_ = 0;
};

void Fuzzer::Fail(const std::string& what) {
  mismatches_++;
  if (reported_++ < 20) fprintf(stderr, "MISMATCH %s\n", what.c_str());
}

std::optional<BucketState> Fuzzer::Bucket(const xg_bucket_key& key) {
  xg_bucket b{};
  if (bpf_map_lookup_elem(tester_.map_fd(XG_MAP_BUCKETS), &key, &b) != 0) return std::nullopt;
  return BucketState{b.tat_ns, b.byte_tat_ns};
}

void Fuzzer::Packet(uint64_t index) {
  const std::vector<uint8_t> frame = frames_.Next(world_.pools());
  Expectation e = Classify(world_.world(), frame, MonotonicNs());
  std::optional<BucketState> before;
  if (e.rate_limited) before = Bucket(e.bucket);
  const uint64_t t0 = MonotonicNs();
  const int action = tester_.Run(frame);
  const uint64_t t1 = MonotonicNs();
  if (e.rate_limited) {
    rate_checks_++;
    bool conformed = false;
    const std::string err = RateLimitCheck(e.rl_rule, e.bytes, before, Bucket(e.bucket), t0, t1, &conformed);
    if (!err.empty()) Fail("packet " + std::to_string(index) + ": rate limit: " + err + " [" + e.trace + "]");
    ApplyRateLimitOutcome(&e, conformed);
  }
  if (action != 1 && action != 2) {  // XDP_ABORTED (0) or anything the program must not return
    aborted_++;
    Fail("packet " + std::to_string(index) + ": action " + std::to_string(action) + " " + Hex(frame));
  } else if (action != e.action) {
    Fail("packet " + std::to_string(index) + ": kernel " + (action == 1 ? "DROP" : "PASS") +
         ", model " + (e.action == 1 ? "DROP" : "PASS") + " [" + e.trace + "] " + Hex(frame));
  }
  classes_[e.cls]++;
  xg_counter& v = want_.slots[world_.stats_slot()][e.cls][e.family];
  v.packets++;
  v.bytes += e.bytes;
  if (e.reason != XG_REASON_NONE) want_.reasons[e.reason]++;
  if (e.matched) {
    want_.origins[e.origin].packets++;
    want_.origins[e.origin].bytes += e.bytes;
    rule_hits_[e.rule]++;
  }
  for (int i = 0; i < XG_GSTAT_MAX; i++) want_.guard[i] += e.guard[i];
  want_.reports += e.reports;
  reasons_seen_[e.reason]++;
  for (int i = 0; i < XG_GSTAT_MAX; i++) guard_seen_[i] += e.guard[i];
  reports_seen_ += e.reports;
}

void Fuzzer::CompareCounters(uint64_t index) {
  counter_checks_++;
  const datapath::Counters now = tester_.ReadCounters();
  const std::string at = " after packet " + std::to_string(index);
  auto slot_verdicts = [](const datapath::Counters& c, uint32_t slot) {
    for (const datapath::InterfaceVerdicts& iv : c.interfaces)
      if (iv.slot == slot) return iv.verdicts;
    return datapath::Verdicts{};
  };
  for (uint32_t slot = 0; slot < XG_MAX_IF_SLOTS; slot++) {
    const datapath::Verdicts a = slot_verdicts(now, slot), b = slot_verdicts(last_, slot);
    const datapath::Verdicts& w = want_.slots[static_cast<uint8_t>(slot)];
    for (int cls = 0; cls < XG_CLASS_MAX; cls++)
      for (int fam = 0; fam < XG_FAM_MAX; fam++) {
        const uint64_t dp = a[cls][fam].packets - b[cls][fam].packets;
        const uint64_t db = a[cls][fam].bytes - b[cls][fam].bytes;
        if (dp != w[cls][fam].packets || db != w[cls][fam].bytes)
          Fail("verdict counter slot " + std::to_string(slot) + " " + datapath::ClassName(cls) + "/" +
               datapath::FamilyName(fam) + ": kernel " + std::to_string(dp) + " packets " +
               std::to_string(db) + " bytes, model " + std::to_string(w[cls][fam].packets) + " / " +
               std::to_string(w[cls][fam].bytes) + at);
      }
  }
  for (int r = 1; r < XG_REASON_MAX; r++) {
    const uint64_t d = now.reasons[r] - last_.reasons[r];
    if (d != want_.reasons[r])
      Fail(std::string("reason ") + datapath::ReasonName(r) + ": kernel " + std::to_string(d) +
           ", model " + std::to_string(want_.reasons[r]) + at);
  }
  for (int o = 0; o < XG_MAX_ORIGINS; o++) {
    const uint64_t dp = now.origins[o].packets - last_.origins[o].packets;
    const uint64_t db = now.origins[o].bytes - last_.origins[o].bytes;
    if (dp != want_.origins[o].packets || db != want_.origins[o].bytes)
      Fail("origin " + std::to_string(o) + ": kernel " + std::to_string(dp) + " / " + std::to_string(db) +
           ", model " + std::to_string(want_.origins[o].packets) + " / " +
           std::to_string(want_.origins[o].bytes) + at);
  }
  uint64_t events = 0;
  for (int g = 0; g < XG_GSTAT_MAX; g++) {
    const uint64_t d = now.guard[g] - last_.guard[g];
    if (g == XG_GSTAT_EVENTS || g == XG_GSTAT_EVENTS_DEDUP || g == XG_GSTAT_RINGBUF_FULL) {
      events += d;
    } else if (d != want_.guard[g]) {
      Fail(std::string("guard ") + datapath::GuardStatName(g) + ": kernel " + std::to_string(d) +
           ", model " + std::to_string(want_.guard[g]) + at);
    }
  }
  if (events != want_.reports)
    Fail("guard reports (events + deduplicated + ring buffer full): kernel " + std::to_string(events) +
         ", model " + std::to_string(want_.reports) + at);
  // Rules the kernel counted must be rules the model matched (counts are sampled).
  for (const datapath::RuleCounter& r : now.rules)
    if (!rule_hits_.count(r.cidr))
      Fail("rule " + r.cidr.ToString() + " counted by the kernel, never matched by the model" + at);
  tester_.DrainGuardEvents();  // keep the ring buffer from filling
  last_ = now;
  want_ = {};
}

void Fuzzer::CompareRules() {
  std::map<net::Cidr, uint64_t> kernel;
  uint64_t kernel_total = 0, model_total = 0;
  for (const datapath::RuleCounter& r : last_.rules) {
    kernel[r.cidr] = r.counter.packets;
    kernel_total += r.counter.packets;
  }
  // Counters a full set gave up to other rules keep their hits in the set's evicted count.
  kernel_total += last_.rule_evicted_packets;
  for (const auto& [cidr, hits] : rule_hits_) {
    model_total += hits;
    if (hits < 20000) continue;
    const double k = static_cast<double>(kernel[cidr]);
    if (std::fabs(k - static_cast<double>(hits)) > 0.25 * static_cast<double>(hits))
      Fail("rule " + cidr.ToString() + ": kernel " + std::to_string(kernel[cidr]) + " hits, model " +
           std::to_string(hits) + " (sampled counters allow 25%)");
  }
  const double dev = model_total ? (static_cast<double>(kernel_total) - static_cast<double>(model_total)) /
                                       static_cast<double>(model_total)
                                 : 0.0;
  if (model_total >= 10000 && std::fabs(dev) > 0.05)
    Fail("rule hits in total: kernel " + std::to_string(kernel_total) + ", model " +
         std::to_string(model_total) + " (sampled counters allow 5%)");
  if (!opt_.quiet) {
    // What the run exercised: a reason or guard outcome at 0 here was never compared.
    std::string seen = "reasons:";
    for (int r = 1; r < XG_REASON_MAX; r++)
      seen += std::string(" ") + datapath::ReasonName(r) + "=" + std::to_string(reasons_seen_[r]);
    seen += "\nguard:";
    for (int g = 0; g < XG_GSTAT_MAX; g++)
      if (g != XG_GSTAT_EVENTS && g != XG_GSTAT_EVENTS_DEDUP && g != XG_GSTAT_RINGBUF_FULL)
        seen += std::string(" ") + datapath::GuardStatName(g) + "=" + std::to_string(guard_seen_[g]);
    seen += " reports=" + std::to_string(reports_seen_);
    printf("%s\n", seen.c_str());
  }
  if (!opt_.quiet)
    printf("rule counters: model %" PRIu64 " hits over %zu rules, kernel %" PRIu64 " over %zu (%+.2f%%)\n",
           model_total, rule_hits_.size(), kernel_total, last_.rules.size(), 100 * dev);
}

int Fuzzer::Run() {
  const auto start = std::chrono::steady_clock::now();
  world_.Start(opt_.rules);
  last_ = tester_.ReadCounters();
  std::mt19937_64 pace(opt_.seed + 1);
  uint64_t next_change = 200 + pace() % 4000;
  for (uint64_t i = 0; i < opt_.packets; i++) {
    if (i == next_change) {
      // Counters are compared before the configuration changes: a slot change moves where
      // the verdicts of the next packets land.
      CompareCounters(i);
      const std::string what = world_.Mutate();
      mutations_++;
      if (!opt_.quiet && mutations_ % 100 == 0)
        printf("packet %" PRIu64 ": change %" PRIu64 " (%s), %zu rules, %zu allow, %zu guards\n", i,
               mutations_, what.c_str(), world_.world().block.size(), world_.world().allow.size(),
               world_.world().guards.size());
      next_change = i + 200 + pace() % 4000;
    }
    Packet(i);
    if ((i + 1) % opt_.batch == 0) CompareCounters(i);
  }
  CompareCounters(opt_.packets);
  CompareRules();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string classes;
  for (int c = 0; c < XG_CLASS_MAX; c++)
    classes += std::string(c ? " " : "") + datapath::ClassName(c) + "=" + std::to_string(classes_[c]);
  printf("packet differential fuzz (%s, seed %" PRIu64 "): %" PRIu64 " packets, %" PRIu64
         " mismatches, %" PRIu64 " aborted, %" PRIu64 " counter checks, %" PRIu64
         " rate-limit checks, %" PRIu64 " configuration changes, %.1f s [%s]\n",
         opt_.frags ? "xdpguard_frags" : "xdpguard_main", opt_.seed, opt_.packets, mismatches_, aborted_,
         counter_checks_, rate_checks_, mutations_, secs, classes.c_str());
  return mismatches_ == 0 ? 0 : 1;
}

int Usage() {
  fprintf(stderr, "usage: packet_diff [--packets N] [--seed S] [--frags] [--batch B] [--rules R] [--quiet]\n");
  return 2;
}

}  // namespace
}  // namespace xdpguard::fuzz

int main(int argc, char** argv) {
  xdpguard::fuzz::Options o;
  o.seed = static_cast<uint64_t>(time(nullptr));
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    auto value = [&]() -> uint64_t {
      if (i + 1 >= argc) exit(xdpguard::fuzz::Usage());
      char* end = nullptr;
      const uint64_t v = strtoull(argv[++i], &end, 10);
      if (!end || *end) exit(xdpguard::fuzz::Usage());
      return v;
    };
    if (a == "--packets") o.packets = value();
    else if (a == "--seed") o.seed = value();
    else if (a == "--frags") o.frags = true;
    else if (a == "--batch") o.batch = static_cast<uint32_t>(value());
    else if (a == "--rules") o.rules = value();
    else if (a == "--quiet") o.quiet = true;
    else return xdpguard::fuzz::Usage();
  }
  if (o.batch == 0) return xdpguard::fuzz::Usage();
  try {
    return xdpguard::fuzz::Fuzzer(o).Run();
  } catch (const std::exception& e) {
    fprintf(stderr, "packet_diff: %s\n", e.what());
    return 1;
  }
}
