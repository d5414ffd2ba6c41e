// SPDX-License-Identifier: GPL-2.0
#include "feeds/crowdsec_stream.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace xdpguard::feeds {
namespace {

// One decision object; false (counted by the caller) when it cannot be enforced.
enum class Kind { kOk, kScope, kInvalid };

Kind ParseDecision(const nlohmann::json& j, Decision* d, std::string* scope) {
  if (!j.is_object()) return Kind::kInvalid;
  auto str = [&](const char* key) -> std::string {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  *scope = str("scope");
  const std::string lower = absl::AsciiStrToLower(*scope);
  if (lower != "ip" && lower != "range") return Kind::kScope;
  auto id = j.find("id");
  if (id == j.end() || !id->is_number_integer()) return Kind::kInvalid;
  d->id = id->get<int64_t>();
  absl::StatusOr<net::ParsedCidr> c = net::ParseCidr(str("value"));
  if (!c.ok()) return Kind::kInvalid;
  // An Ip decision names one address; a Range decision a prefix.
  if (lower == "ip" && c->cidr.prefixlen != c->cidr.MaxPrefixLen()) return Kind::kInvalid;
  d->cidr = c->cidr;
  d->type = str("type");
  if (d->type.empty()) return Kind::kInvalid;
  absl::StatusOr<double> dur = ParseGoDuration(str("duration"));
  if (!dur.ok()) return Kind::kInvalid;
  d->duration_s = *dur;
  d->origin = str("origin");
  return Kind::kOk;
}

absl::Status ParseList(const nlohmann::json& root, const char* key, std::vector<Decision>* out,
                       DecisionBatch* batch) {
  auto it = root.find(key);
  if (it == root.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_array())
    return absl::InvalidArgumentError(absl::StrCat("decision stream: \"", key, "\" is not a list"));
  for (const nlohmann::json& j : *it) {
    Decision d;
    std::string scope;
    switch (ParseDecision(j, &d, &scope)) {
      case Kind::kOk:
        out->push_back(std::move(d));
        break;
      case Kind::kScope:
        batch->skipped_scopes[scope.empty() ? "(none)" : scope]++;
        break;
      case Kind::kInvalid:
        batch->invalid++;
        break;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<double> ParseGoDuration(absl::string_view text) {
  const absl::string_view whole = text;
  if (text.empty()) return absl::InvalidArgumentError("empty duration");
  double sign = 1;
  if (text[0] == '-' || text[0] == '+') {
    sign = text[0] == '-' ? -1 : 1;
    text.remove_prefix(1);
  }
  if (text == "0") return 0.0;
  double total = 0;
  bool any = false;
  while (!text.empty()) {
    size_t n = 0;
    while (n < text.size() && (std::isdigit(static_cast<unsigned char>(text[n])) || text[n] == '.')) n++;
    if (n == 0) return absl::InvalidArgumentError(absl::StrCat("bad duration '", text, "'"));
    double value = 0;
    if (!absl::SimpleAtod(text.substr(0, n), &value))
      return absl::InvalidArgumentError(absl::StrCat("bad duration number '", text.substr(0, n), "'"));
    text.remove_prefix(n);
    size_t u = 0;
    while (u < text.size() && std::isalpha(static_cast<unsigned char>(text[u]))) u++;
    const absl::string_view unit = text.substr(0, u);
    text.remove_prefix(u);
    double scale;
    if (unit == "h") scale = 3600;
    else if (unit == "m") scale = 60;
    else if (unit == "s") scale = 1;
    else if (unit == "ms") scale = 1e-3;
    else if (unit == "us" || unit == "µs") scale = 1e-6;
    else if (unit == "ns") scale = 1e-9;
    else return absl::InvalidArgumentError(absl::StrCat("bad duration unit '", unit, "'"));
    total += value * scale;
    any = true;
  }
  if (!any || !std::isfinite(total)) return absl::InvalidArgumentError("bad duration");
  // Go keeps a duration in int64 nanoseconds: anything longer than ~292 years is not one the
  // Local API can send, and turning it into whole seconds later would overflow.
  if (total > kMaxGoDurationSeconds)
    return absl::InvalidArgumentError(absl::StrCat("duration '", whole, "' is longer than Go's 292 years"));
  return sign * total;
}

absl::StatusOr<DecisionBatch> ParseDecisionStream(absl::string_view body) {
  nlohmann::json root = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (root.is_discarded()) {
    // Cut short vs not JSON at all: a JSON start that does not parse is a truncation.
    const size_t first = body.find_first_not_of(" \t\r\n");
    if (first != absl::string_view::npos && body[first] == '{')
      return absl::DataLossError("decision stream: the JSON body is cut short or corrupt");
    return absl::InvalidArgumentError("decision stream: the body is not JSON (a proxy or error page?)");
  }
  if (!root.is_object() || (!root.contains("new") && !root.contains("deleted")))
    return absl::InvalidArgumentError("decision stream: not an object with \"new\" and \"deleted\"");
  DecisionBatch batch;
  if (absl::Status s = ParseList(root, "new", &batch.added, &batch); !s.ok()) return s;
  if (absl::Status s = ParseList(root, "deleted", &batch.deleted, &batch); !s.ok()) return s;
  return batch;
}

void DecisionSet::Add(const Decision& d, int64_t now_unix_s) {
  if (d.duration_s <= 0) return;  // expired already
  ActiveDecision a{d.cidr, d.type, now_unix_s + static_cast<int64_t>(std::ceil(d.duration_s)), d.origin};
  by_id_[d.id] = std::move(a);
}

void DecisionSet::Replace(const DecisionBatch& batch, int64_t now_unix_s) {
  by_id_.clear();
  for (const Decision& d : batch.added) Add(d, now_unix_s);
}

absl::Status DecisionSet::Apply(const DecisionBatch& batch, int64_t now_unix_s, double max_shrink) {
  size_t removing = 0;
  for (const Decision& d : batch.deleted) removing += by_id_.count(d.id);
  if (by_id_.size() >= 100 && static_cast<double>(removing) > max_shrink * static_cast<double>(by_id_.size()))
    return absl::FailedPreconditionError(absl::StrCat(
        "the decision stream deletes ", removing, " of ", by_id_.size(),
        " decisions at once (more than ", max_shrink * 100, "%): kept; a full pull resynchronises"));
  for (const Decision& d : batch.deleted) by_id_.erase(d.id);
  for (const Decision& d : batch.added) Add(d, now_unix_s);
  return absl::OkStatus();
}

std::vector<ActiveDecision> DecisionSet::Active(int64_t now_unix_s) const {
  std::map<std::pair<net::Cidr, std::string>, ActiveDecision> best;
  for (const auto& [id, a] : by_id_) {
    if (a.expires_unix_s <= now_unix_s) continue;
    auto [it, inserted] = best.try_emplace({a.cidr, a.type}, a);
    if (!inserted && a.expires_unix_s > it->second.expires_unix_s) it->second = a;
  }
  std::vector<ActiveDecision> out;
  out.reserve(best.size());
  for (auto& [key, a] : best) out.push_back(std::move(a));
  return out;
}

int64_t DecisionSet::NextEnd(int64_t now_unix_s) const {
  int64_t next = 0;
  for (const auto& [id, a] : by_id_) {
    if (a.expires_unix_s > now_unix_s && (next == 0 || a.expires_unix_s < next)) next = a.expires_unix_s;
  }
  return next;
}

std::string DecisionSet::Serialize() const {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& [id, a] : by_id_)
    j.push_back({{"id", id}, {"value", a.cidr.ToString()}, {"type", a.type}, {"expires", a.expires_unix_s},
                 {"origin", a.origin}});
  return j.dump();
}

absl::StatusOr<DecisionSet> DecisionSet::Deserialize(absl::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_array()) return absl::DataLossError("saved decisions: not a JSON list");
  DecisionSet set;
  for (const nlohmann::json& e : j) {
    if (!e.is_object() || !e.contains("id") || !e["id"].is_number_integer() || !e.contains("value") ||
        !e["value"].is_string() || !e.contains("type") || !e["type"].is_string() ||
        !e.contains("expires") || !e["expires"].is_number_integer())
      return absl::DataLossError("saved decisions: a malformed entry");
    absl::StatusOr<net::ParsedCidr> c = net::ParseCidr(e["value"].get<std::string>());
    if (!c.ok()) return absl::DataLossError("saved decisions: a bad prefix");
    ActiveDecision a{c->cidr, e["type"].get<std::string>(), e["expires"].get<int64_t>(),
                     e.contains("origin") && e["origin"].is_string() ? e["origin"].get<std::string>() : ""};
    set.by_id_[e["id"].get<int64_t>()] = std::move(a);
  }
  return set;
}

}  // namespace xdpguard::feeds
