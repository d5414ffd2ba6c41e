// SPDX-License-Identifier: GPL-2.0
#include "feeds/http_fetch.h"

#include <curl/curl.h>

#include <ctime>
#include <memory>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace xdpguard::feeds {
namespace {

struct Transfer {
  FetchResponse* response;
  uint64_t max_bytes;
  bool over_cap = false;
};

size_t OnBody(char* data, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * nmemb;
  if (t->response->body.size() + n > t->max_bytes) {
    t->over_cap = true;
    return 0;  // makes curl abort with CURLE_WRITE_ERROR
  }
  t->response->body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * nmemb;
  absl::string_view line(data, n);
  line = absl::StripTrailingAsciiWhitespace(line);
  FetchResponse* r = t->response;
  if (absl::StartsWith(line, "HTTP/")) {
    // A new response (after a redirect or 100-continue): forget the previous headers.
    r->etag.clear();
    r->last_modified.clear();
    r->content_type.clear();
    r->retry_after_s.reset();
    r->ratelimit_reset_s.reset();
    return n;
  }
  size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return n;
  std::string name = absl::AsciiStrToLower(line.substr(0, colon));
  std::string value(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  if (name == "etag") {
    r->etag = value;
  } else if (name == "last-modified") {
    r->last_modified = value;
  } else if (name == "content-type") {
    r->content_type = value;
  } else if (name == "retry-after") {
    r->retry_after_s = ParseRetryAfter(value, static_cast<int64_t>(time(nullptr)));
  } else if (name == "x-ratelimit-reset") {
    int64_t v = 0;
    if (absl::SimpleAtoi(value, &v) && v > 0) r->ratelimit_reset_s = v;
  }
  return n;
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

std::optional<int64_t> ParseRetryAfter(const std::string& value, int64_t now_unix) {
  int64_t seconds = 0;
  if (absl::SimpleAtoi(value, &seconds)) return seconds < 0 ? 0 : seconds;
  time_t when = curl_getdate(value.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  return when > now_unix ? when - now_unix : 0;
}

namespace {

// "scheme://host:port" of an absolute URL (default port made explicit, lower case), or
// nothing when it does not parse. Never the path or query: those may hold secrets.
std::optional<std::string> Origin(const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), curl_url_cleanup);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return std::nullopt;
  std::string parts[3];
  const CURLUPart which[3] = {CURLUPART_SCHEME, CURLUPART_HOST, CURLUPART_PORT};
  for (int i = 0; i < 3; i++) {
    char* v = nullptr;
    if (curl_url_get(u.get(), which[i], &v, CURLU_DEFAULT_PORT) != CURLUE_OK) return std::nullopt;
    parts[i] = absl::AsciiStrToLower(v);
    curl_free(v);
  }
  return absl::StrCat(parts[0], "://", parts[1], ":", parts[2]);
}

}  // namespace

bool SameOrigin(const std::string& a, const std::string& b) {
  std::optional<std::string> oa = Origin(a), ob = Origin(b);
  return oa && ob && *oa == *ob;
}

namespace {

// One request of the chain, without following redirects (HttpFetch follows them itself,
// so that it decides which headers go where). *location: the redirect target, if any.
absl::StatusOr<FetchResponse> FetchOnce(const FetchRequest& request, const std::string& url,
                                        bool with_secrets, bool https_only, std::string* location) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return absl::InternalError("curl_easy_init failed");
  FetchResponse response;
  Transfer transfer{&response, request.max_bytes};
  CURL* c = curl.get();
  char errbuf[CURL_ERROR_SIZE] = {};

  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(nullptr, curl_slist_free_all);
  auto add_header = [&](const std::string& h) { headers.reset(curl_slist_append(headers.release(), h.c_str())); };
  for (const std::string& h : request.headers) add_header(h);
  if (with_secrets)
    for (const std::string& h : request.secret_headers) add_header(h);
  if (!request.etag.empty()) add_header("If-None-Match: " + request.etag);
  if (!request.last_modified.empty()) add_header("If-Modified-Since: " + request.last_modified);

  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  // Once TLS protected the chain, no request of it may go without.
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, https_only ? "https" : "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!request.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, request.ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(request.connect_timeout_s));
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(request.timeout_s));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(request.max_bytes));
  curl_easy_setopt(c, CURLOPT_USERAGENT, "xdpguard/" XDPGUARD_VERSION " (+feeds)");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);

  CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.http_status);
  if (transfer.over_cap || rc == CURLE_FILESIZE_EXCEEDED)
    return absl::ResourceExhaustedError(
        absl::StrCat("the body exceeds the feed's cap of ", request.max_bytes, " bytes"));
  if (rc != CURLE_OK) {
    std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    std::string what = absl::StrCat(curl_easy_strerror(rc), ": ", detail);
    switch (rc) {
      case CURLE_OPERATION_TIMEDOUT: return absl::DeadlineExceededError(what);
      case CURLE_PARTIAL_FILE: return absl::DataLossError(absl::StrCat("truncated body (", what, ")"));
      case CURLE_UNSUPPORTED_PROTOCOL: return absl::FailedPreconditionError(what);
      default: return absl::UnavailableError(what);
    }
  }
  location->clear();
  char* redirect = nullptr;  // absolute, resolved against url by curl
  if (response.http_status >= 300 && response.http_status < 400 &&
      curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &redirect) == CURLE_OK && redirect)
    *location = redirect;
  return response;
}

constexpr int kMaxRedirects = 5;

}  // namespace

absl::StatusOr<FetchResponse> HttpFetch(const FetchRequest& request) {
  GlobalInit();
  const bool https = absl::StartsWith(request.url, "https://");
  std::string url = request.url;
  for (int hop = 0;; hop++) {
    // Secrets go to the configured origin only; other headers follow the chain.
    const bool with_secrets = hop == 0 || SameOrigin(url, request.url);
    std::string location;
    absl::StatusOr<FetchResponse> r = FetchOnce(request, url, with_secrets, https, &location);
    if (!r.ok() || location.empty()) return r;
    if (hop == kMaxRedirects)
      return absl::FailedPreconditionError(absl::StrCat("more than ", kMaxRedirects, " redirects"));
    if (https && !absl::StartsWith(absl::AsciiStrToLower(location), "https://"))
      return absl::FailedPreconditionError("redirect from https to another protocol refused (TLS stays on)");
    if (!request.secret_headers.empty() && !SameOrigin(location, request.url))
      return absl::FailedPreconditionError(absl::StrCat(
          "redirect to another origin refused: the request carries an API key, which goes to ",
          "the configured URL's scheme, host and port only (redirected to ",
          Origin(location).value_or("an unparsable URL"), ")"));
    url = location;
  }
}

}  // namespace xdpguard::feeds
