// SPDX-License-Identifier: GPL-2.0
#include "feeds/feed_state.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/sealed_file.h"

namespace xdpguard::feeds {
namespace {

using json = nlohmann::json;

// The value at key when it has the expected type, else fallback. json::value() throws on a
// type mismatch, and a state file from another version, or edited by hand, must not take
// the service down (fuzz_state_files found `{"entries":"s"}` in a sealed cache doing it).
template <typename T>
T Field(const json& j, const char* key, T fallback) {
  auto it = j.find(key);
  if (it == j.end()) return fallback;
  try {
    return it->template get<T>();
  } catch (const json::exception&) {
    return fallback;
  }
}
std::string Field(const json& j, const char* key, const char* fallback) {
  return Field<std::string>(j, key, fallback);
}

constexpr size_t kCidrBytes = net::kEncodedCidrBytes;
constexpr size_t kMaxStateFile = 1u << 30;

absl::Status MakeDir(const std::string& path) {
  if (mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) return absl::OkStatus();
  return ErrnoToStatus(errno, absl::StrCat("create state directory ", path));
}

json ReportToJson(const PrepareReport& r) {
  return {{"parsed", r.parsed},     {"duplicates", r.duplicates},
          {"too_short", r.too_short}, {"protected", r.protected_rejected},
          {"aggregated", r.aggregated}, {"rejected_examples", r.rejected_examples}};
}

PrepareReport ReportFromJson(const json& j) {
  PrepareReport r;
  r.parsed = Field(j, "parsed", size_t{0});
  r.duplicates = Field(j, "duplicates", size_t{0});
  r.too_short = Field(j, "too_short", size_t{0});
  r.protected_rejected = Field(j, "protected", size_t{0});
  r.aggregated = Field(j, "aggregated", size_t{0});
  r.rejected_examples = Field(j, "rejected_examples", std::vector<std::string>{});
  return r;
}

}  // namespace

json StatusToJson(const FeedStatus& s) {
  return {{"name", s.name},
          {"source", s.source},
          {"format", s.format},
          {"last_attempt", s.last_attempt},
          {"last_success", s.last_success},
          {"last_change", s.last_change},
          {"http_status", s.http_status},
          {"last_result", s.last_result},
          {"last_error", s.last_error},
          {"last_error_reason", s.last_error_reason},
          {"consecutive_failures", s.consecutive_failures},
          {"retry_not_before", s.retry_not_before},
          {"retry_set_by_server", s.retry_set_by_server},
          {"entries", ReportToJson(s.report)},
          {"invalid", s.invalid},
          {"applied", s.applied},
          {"errors_total", s.errors_total},
          {"fetch_seconds", s.fetch_seconds},
          {"decisions_by_type", s.decisions_by_type},
          {"skipped_by_scope", s.skipped_by_scope},
          {"decisions_invalid", s.decisions_invalid}};
}

FeedStatus StatusFromJson(const json& j) {
  FeedStatus s;
  s.name = Field(j, "name", "");
  s.source = Field(j, "source", "");
  s.format = Field(j, "format", "");
  s.last_attempt = Field(j, "last_attempt", int64_t{0});
  s.last_success = Field(j, "last_success", int64_t{0});
  s.last_change = Field(j, "last_change", int64_t{0});
  s.http_status = Field(j, "http_status", 0);
  s.last_result = Field(j, "last_result", "");
  s.last_error = Field(j, "last_error", "");
  s.last_error_reason = Field(j, "last_error_reason", "");
  s.consecutive_failures = Field(j, "consecutive_failures", uint64_t{0});
  s.retry_not_before = Field(j, "retry_not_before", int64_t{0});
  s.retry_set_by_server = Field(j, "retry_set_by_server", false);
  if (j.contains("entries") && j["entries"].is_object()) s.report = ReportFromJson(j["entries"]);
  s.invalid = Field(j, "invalid", size_t{0});
  s.applied = Field(j, "applied", uint64_t{0});
  s.errors_total = Field(j, "errors_total", std::map<std::string, uint64_t>{});
  s.fetch_seconds = Field(j, "fetch_seconds", 0.0);
  s.decisions_by_type = Field(j, "decisions_by_type", std::map<std::string, uint64_t>{});
  s.skipped_by_scope = Field(j, "skipped_by_scope", std::map<std::string, uint64_t>{});
  s.decisions_invalid = Field(j, "decisions_invalid", uint64_t{0});
  return s;
}

std::string FeedStateStore::FeedPath(const std::string& feed, const char* ext) const {
  return absl::StrCat(dir_, "/feeds/", feed, ext);
}

absl::Status FeedStateStore::Init() const {
  if (absl::Status s = MakeDir(dir_); !s.ok()) return s;
  return MakeDir(absl::StrCat(dir_, "/feeds"));
}

absl::Status FeedStateStore::SaveCache(const std::string& feed, const FeedCache& cache) const {
  std::string payload(cache.cidrs.size() * kCidrBytes, '\0');
  for (size_t i = 0; i < cache.cidrs.size(); i++) net::EncodeCidr(cache.cidrs[i], payload.data() + i * kCidrBytes);
  // A decision set follows the prefixes in the payload, so the seal's checksum covers it.
  const std::string decisions = cache.decisions ? cache.decisions->Serialize() : std::string();
  payload += decisions;
  json meta = {{"feed", feed},
               {"decisions_bytes", cache.decisions ? decisions.size() : size_t{0}},
               {"has_decisions", cache.decisions.has_value()},
               {"entries", cache.cidrs.size()},
               {"source_fingerprint", cache.source_fingerprint},
               {"etag", cache.etag},
               {"last_modified", cache.last_modified},
               {"eof_seen", cache.eof_seen},
               {"body_digest", cache.body_digest},
               {"fetched_at", cache.fetched_at}};
  return WriteSealedFile(FeedPath(feed, ".cache"), "feed-cache", meta, payload);
}

absl::StatusOr<FeedCache> FeedStateStore::LoadCache(const std::string& feed) const {
  absl::StatusOr<SealedFile> f = ReadSealedFile(FeedPath(feed, ".cache"), "feed-cache", kMaxStateFile);
  if (!f.ok()) return f.status();
  FeedCache c;
  const auto count = f->meta.find("entries");
  if (count == f->meta.end() || !count->is_number_unsigned())
    return absl::DataLossError(absl::StrCat(FeedPath(feed, ".cache"), " has no entry count; ignoring it"));
  const size_t n = count->get<size_t>();
  const size_t decision_bytes = Field(f->meta, "decisions_bytes", size_t{0});
  // n is checked against the payload before it is multiplied: a huge n must not wrap.
  if (n > f->payload.size() / kCidrBytes || decision_bytes > f->payload.size() ||
      f->payload.size() - decision_bytes != n * kCidrBytes || Field(f->meta, "feed", "") != feed)
    return absl::DataLossError(absl::StrCat(FeedPath(feed, ".cache"), " does not match its header; ignoring it"));
  if (Field(f->meta, "has_decisions", false)) {
    absl::StatusOr<DecisionSet> set =
        DecisionSet::Deserialize(absl::string_view(f->payload).substr(n * kCidrBytes));
    if (!set.ok())
      return absl::DataLossError(absl::StrCat(FeedPath(feed, ".cache"), ": ", set.status().message(), "; ignoring it"));
    c.decisions = std::move(*set);
  }
  c.cidrs.resize(n);
  for (size_t i = 0; i < n; i++) {
    if (!net::DecodeCidr(f->payload.data() + i * kCidrBytes, &c.cidrs[i]))
      return absl::DataLossError(absl::StrCat(FeedPath(feed, ".cache"), ": bad entry ", i, "; ignoring it"));
  }
  c.source_fingerprint = Field(f->meta, "source_fingerprint", "");
  c.etag = Field(f->meta, "etag", "");
  c.last_modified = Field(f->meta, "last_modified", "");
  c.eof_seen = Field(f->meta, "eof_seen", false);
  c.body_digest = Field(f->meta, "body_digest", "");
  c.fetched_at = Field(f->meta, "fetched_at", int64_t{0});
  return c;
}

absl::Status FeedStateStore::SaveStatus(const FeedStatus& status) const {
  // Atomic, not fsynced: a status is for display and metrics, rewritten at every pull (once
  // a second for a CrowdSec stream), and a crash losing the last one loses nothing enforced.
  return WriteFileAtomically(FeedPath(status.name, ".status"), StatusToJson(status).dump(2) + "\n", 0600,
                             Durability::kAtomicOnly);
}

FeedStatus FeedStateStore::LoadStatus(const std::string& feed) const {
  absl::StatusOr<std::string> text = ReadWholeFile(FeedPath(feed, ".status"), 1u << 20);
  FeedStatus fresh;
  fresh.name = feed;
  if (!text.ok()) return fresh;
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fresh;
  FeedStatus s = StatusFromJson(j);
  s.name = feed;
  return s;
}

absl::StatusOr<std::map<std::string, uint16_t>> FeedStateStore::LoadOrigins() const {
  std::string path = absl::StrCat(dir_, "/origins.json");
  absl::StatusOr<std::string> text = ReadWholeFile(path, 1u << 20);
  if (absl::IsNotFound(text.status())) return std::map<std::string, uint16_t>{};
  if (!text.ok()) return text.status();
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return absl::DataLossError(absl::StrCat(path, " is corrupt: refusing to guess feed ids"));
  std::map<std::string, uint16_t> out;
  for (const auto& [k, v] : j.items()) {
    if (!v.is_number_unsigned() || v.get<uint64_t>() == 0 || v.get<uint64_t>() > 65535)
      return absl::DataLossError(absl::StrCat(path, ": bad id for ", k));
    out[k] = v.get<uint16_t>();
  }
  return out;
}

absl::Status FeedStateStore::SaveOrigins(const std::map<std::string, uint16_t>& origins) const {
  return WriteFileAtomically(absl::StrCat(dir_, "/origins.json"), json(origins).dump(2) + "\n");
}

}  // namespace xdpguard::feeds
