// SPDX-License-Identifier: GPL-2.0
// FeedConfig helpers: request URL, fingerprint, display form; FeedSettings::FindFeed.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "feeds/feed_config.h"

namespace xdpguard::feeds {
namespace {

std::string WithQuery(const std::string& url, const std::vector<std::string>& params) {
  if (params.empty()) return url;
  return absl::StrCat(url, url.find('?') == std::string::npos ? "?" : "&", absl::StrJoin(params, "&"));
}

}  // namespace

std::string FeedConfig::RequestUrl() const {
  if (format != Format::kAbuseIpdb) return url;
  // Only digits, letters and commas reach the query (validated), so no escaping needed.
  std::vector<std::string> q;
  if (abuseipdb.confidence_minimum) q.push_back(absl::StrCat("confidenceMinimum=", *abuseipdb.confidence_minimum));
  if (abuseipdb.limit) q.push_back(absl::StrCat("limit=", *abuseipdb.limit));
  if (abuseipdb.ip_version) q.push_back(absl::StrCat("ipVersion=", *abuseipdb.ip_version));
  if (!abuseipdb.only_countries.empty())
    q.push_back(absl::StrCat("onlyCountries=", absl::StrJoin(abuseipdb.only_countries, ",")));
  if (!abuseipdb.except_countries.empty())
    q.push_back(absl::StrCat("exceptCountries=", absl::StrJoin(abuseipdb.except_countries, ",")));
  return WithQuery(url, q);
}

std::string FeedConfig::SourceFingerprint() const {
  const feeds::AwsFilter& a = options.aws;
  return absl::StrCat(FormatName(format), "|", path.empty() ? RequestUrl() : "file:" + path,
                      "|dshield=", options.plain.dshield_columns, "|svc=", absl::StrJoin(a.services, ","),
                      "|reg=", absl::StrJoin(a.regions, ","), "|nbg=",
                      absl::StrJoin(a.network_border_groups, ","));
}

std::string FeedConfig::DisplaySource() const {
  if (!path.empty()) return path;
  std::string u = RequestUrl();
  // Drop userinfo (user:password@host) if someone put a secret there anyway.
  size_t scheme = u.find("://");
  if (scheme != std::string::npos) {
    size_t host_start = scheme + 3;
    size_t slash = u.find('/', host_start);
    size_t at = u.find('@', host_start);
    if (at != std::string::npos && (slash == std::string::npos || at < slash))
      u = absl::StrCat(u.substr(0, host_start), "***@", u.substr(at + 1));
  }
  return u;
}

const FeedConfig* FeedSettings::FindFeed(const std::string& name) const {
  for (const FeedConfig& f : feeds) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

}  // namespace xdpguard::feeds
