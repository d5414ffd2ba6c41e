// SPDX-License-Identifier: GPL-2.0
// One HTTP(S) GET with libcurl, configured for feeds: TLS verification on, redirects
// followed (at most 5, never from https to http; a request that carries a secret header
// never follows a redirect to another scheme, host or port: libcurl would send custom
// headers to wherever it is redirected), connect and total timeouts, a byte cap
// enforced while receiving (also on the inflated size when the server gzips), and a
// conditional GET from the cached ETag / Last-Modified. Any HTTP status is returned to
// the caller with the headers it needs (Retry-After, X-RateLimit-Reset); transport
// failures (DNS, TLS, timeout, truncated body, cap) are errors.
#ifndef XDPGUARD_FEEDS_HTTP_FETCH_H_
#define XDPGUARD_FEEDS_HTTP_FETCH_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace xdpguard::feeds {

struct FetchRequest {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"; sent to every URL of the redirect chain
  // "Name: value" holding a secret (the AbuseIPDB key): never logged, and sent only to the
  // request URL's origin (scheme, host, port). A redirect to another origin is refused.
  std::vector<std::string> secret_headers;
  std::string etag, last_modified;   // validators of the cached copy ("" = none)
  uint64_t max_bytes = 64u << 20;
  uint64_t connect_timeout_s = 10, timeout_s = 60;
  std::string ca_file;  // trust these CAs instead of the system store (internal mirrors)
};

struct FetchResponse {
  long http_status = 0;
  std::string body;
  std::string etag, last_modified, content_type;
  std::optional<int64_t> retry_after_s;      // Retry-After, as seconds from now
  std::optional<int64_t> ratelimit_reset_s;  // X-RateLimit-Reset (unix seconds)
};

absl::StatusOr<FetchResponse> HttpFetch(const FetchRequest& request);

// Whether two absolute URLs share scheme, host and port (default ports made explicit).
// False when either does not parse.
bool SameOrigin(const std::string& a, const std::string& b);

// "120" or an HTTP-date -> seconds from now_unix (never negative).
std::optional<int64_t> ParseRetryAfter(const std::string& value, int64_t now_unix);

}  // namespace xdpguard::feeds

#endif  // XDPGUARD_FEEDS_HTTP_FETCH_H_
