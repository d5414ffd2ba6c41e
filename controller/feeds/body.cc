// SPDX-License-Identifier: GPL-2.0
#include "feeds/body.h"

#include <zlib.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/printable.h"
#include "nlohmann/json.hpp"

namespace xdpguard::feeds {
namespace {

// An error object is small; a list that happens to start with '{' (JSON formats) is not
// parsed twice just to look for "errors".
constexpr size_t kMaxErrorBodyBytes = 64 * 1024;

absl::Status DescribeJsonError(absl::string_view body) {
  if (body.size() > kMaxErrorBodyBytes) return absl::OkStatus();
  nlohmann::json j = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("errors")) return absl::OkStatus();
  std::string what;
  if (j["errors"].is_array()) {
    for (const auto& e : j["errors"]) {
      if (!e.is_object()) continue;
      if (e.contains("status") && e["status"].is_number_integer())
        absl::StrAppend(&what, what.empty() ? "" : "; ", "status ", e["status"].get<int>(), ": ");
      if (e.contains("detail") && e["detail"].is_string())
        absl::StrAppend(&what, Printable(e["detail"].get<std::string>(), 200));
    }
  }
  return absl::FailedPreconditionError(
      absl::StrCat("the server sent an error object, not a list (", what.empty() ? "no detail" : what, ")"));
}

}  // namespace

bool IsGzip(absl::string_view body) {
  return body.size() >= 2 && static_cast<unsigned char>(body[0]) == 0x1f &&
         static_cast<unsigned char>(body[1]) == 0x8b;
}

absl::StatusOr<std::string> Gunzip(absl::string_view body, size_t max_bytes) {
  z_stream zs{};
  // 16 + MAX_WBITS: gzip wrapper only (a zlib or raw stream here would be a mislabelled body).
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return absl::InternalError("inflateInit2 failed");
  std::string out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  zs.avail_in = static_cast<uInt>(body.size());
  char buf[1 << 16];
  int rc = Z_OK;
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(buf, sizeof(buf) - zs.avail_out);
    if (out.size() > max_bytes) {
      inflateEnd(&zs);
      return absl::ResourceExhaustedError(
          absl::StrCat("gzip body inflates beyond the cap of ", max_bytes, " bytes"));
    }
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      // Concatenated members (gzip -c a b) are one stream by the gzip spec.
      if (inflateReset(&zs) != Z_OK) break;
    }
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END)
    return absl::DataLossError(absl::StrCat("gzip body is corrupt or truncated (zlib: ",
                                            zs.msg ? zs.msg : std::to_string(rc), ")"));
  return out;
}

char FirstNonBlank(absl::string_view body) {
  for (char ch : body) {
    if (!absl::ascii_isspace(static_cast<unsigned char>(ch))) return ch;
  }
  return 0;
}

absl::StatusOr<std::string> PrepareBody(std::string body, size_t max_bytes, bool json_expected) {
  if (IsGzip(body)) {
    absl::StatusOr<std::string> inflated = Gunzip(body, max_bytes);
    if (!inflated.ok()) return inflated.status();
    body = std::move(*inflated);
  }
  if (body.size() > max_bytes)
    return absl::ResourceExhaustedError(
        absl::StrCat("body of ", body.size(), " bytes exceeds the cap of ", max_bytes));
  if (absl::StartsWith(body, "\xEF\xBB\xBF")) body.erase(0, 3);
  char first = FirstNonBlank(body);
  if (first == 0) return absl::FailedPreconditionError("the body is empty");
  if (first == '<')
    return absl::FailedPreconditionError(absl::StrCat(
        "the body is an HTML/XML page, not a list (starts '",
        Printable(absl::StripLeadingAsciiWhitespace(body), 40), "')"));
  if (first == '{' || first == '[') {
    if (absl::Status s = DescribeJsonError(body); !s.ok()) return s;
    if (!json_expected)
      return absl::FailedPreconditionError(absl::StrCat(
          "the body is JSON where a text list was expected (starts '",
          Printable(absl::StripLeadingAsciiWhitespace(body), 40), "')"));
  }
  return body;
}

}  // namespace xdpguard::feeds
