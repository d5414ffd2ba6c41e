// SPDX-License-Identifier: GPL-2.0
// CrowdSec Local API decisions, as its bouncer stream returns them
// (GET /v1/decisions/stream, header X-Api-Key): {"new": [...] | null, "deleted": [...] |
// null}, each decision {"id", "value", "scope", "type", "duration", "origin", ...}. The
// first pull (startup=true) returns every active decision, later pulls what changed.
//
// ParseDecisionStream validates a body (a proxy's HTML page, a truncated body or a
// wrong shape is an error: the caller keeps its last good set); DecisionSet holds the
// active decisions by id, applies a full pull or a delta, and refuses a delta that would
// delete more than a given share of the set (a stream that suddenly deletes everything),
// so the last good set stays enforced until a full pull resynchronises.
//
// Scopes Ip and Range (IPv4 and IPv6, case-insensitive as CrowdSec accepts them) are
// enforced; others (Country, AS, ...) are counted by scope and skipped. Durations are Go
// durations ("59m59.78s", "4h", "1h2m3.5s", "-2s" for an expired one).
#ifndef XDPGUARD_FEEDS_CROWDSEC_STREAM_H_
#define XDPGUARD_FEEDS_CROWDSEC_STREAM_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "net/cidr.h"

namespace xdpguard::feeds {

struct Decision {
  int64_t id = 0;
  net::Cidr cidr;
  std::string type;    // "ban", "captcha", "throttle", or a custom type
  double duration_s = 0;  // at the time of the pull; <= 0: already expired
  std::string origin;  // "crowdsec", "cscli", "CAPI", "lists", ...
};

struct DecisionBatch {
  std::vector<Decision> added, deleted;
  std::map<std::string, size_t> skipped_scopes;  // scope -> decisions not enforceable
  size_t invalid = 0;  // Ip/Range decisions whose value is not an address or prefix
};

// InvalidArgument when the body is not the stream's JSON object (HTML, another shape),
// DataLoss when it is cut short.
absl::StatusOr<DecisionBatch> ParseDecisionStream(absl::string_view body);

// The longest duration Go can represent (int64 nanoseconds), in seconds.
inline constexpr double kMaxGoDurationSeconds = 9223372036.854775807;

// A Go duration in seconds ("1h2m3.5s", "300ms", "-1.5s", "0s"); longer than Go's
// maximum is an error.
absl::StatusOr<double> ParseGoDuration(absl::string_view text);

// One enforceable decision as the set holds it.
struct ActiveDecision {
  net::Cidr cidr;
  std::string type;
  int64_t expires_unix_s = 0;
  std::string origin;
};

class DecisionSet {
 public:
  // A full pull (startup=true): the set becomes exactly the batch's added decisions.
  void Replace(const DecisionBatch& batch, int64_t now_unix_s);
  // A delta. FailedPrecondition (and nothing changed) when it would remove more than
  // max_shrink of a set of at least 100 decisions; a full pull is then due.
  absl::Status Apply(const DecisionBatch& batch, int64_t now_unix_s, double max_shrink);
  // Decisions still running at now, one per (prefix, type) with the latest expiry,
  // sorted by prefix then type.
  std::vector<ActiveDecision> Active(int64_t now_unix_s) const;
  size_t size() const { return by_id_.size(); }
  // The earliest end after now of a decision in the set, or 0 when none is running.
  int64_t NextEnd(int64_t now_unix_s) const;

  // For the state directory: the set survives a restart (enforced before the first pull).
  std::string Serialize() const;
  static absl::StatusOr<DecisionSet> Deserialize(absl::string_view text);

 private:
  void Add(const Decision& d, int64_t now_unix_s);
  std::map<int64_t, ActiveDecision> by_id_;
};

}  // namespace xdpguard::feeds

#endif  // XDPGUARD_FEEDS_CROWDSEC_STREAM_H_
