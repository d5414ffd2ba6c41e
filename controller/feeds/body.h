// SPDX-License-Identifier: GPL-2.0
// Checks every feed body goes through before a parser sees it: gzip payloads are inflated
// (the cap applies to the inflated size, so a small bomb cannot exhaust memory), a UTF-8
// BOM is dropped, and bodies that are not lists at all are refused: empty bodies, HTML
// pages (bot walls, 504 pages served with 200) and JSON error objects such as AbuseIPDB's
// {"errors":[...]}, which it sends even when text was asked for.
#ifndef XDPGUARD_FEEDS_BODY_H_
#define XDPGUARD_FEEDS_BODY_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace xdpguard::feeds {

bool IsGzip(absl::string_view body);

// Inflates a gzip body (any number of members) up to max_bytes of output.
absl::StatusOr<std::string> Gunzip(absl::string_view body, size_t max_bytes);

// Inflates if gzip, strips a BOM, and refuses empty, HTML and JSON-error bodies.
// json_expected: the format is JSON, so a '{' first is normal (errors are still refused).
absl::StatusOr<std::string> PrepareBody(std::string body, size_t max_bytes, bool json_expected);

// The first byte that is not whitespace, or 0.
char FirstNonBlank(absl::string_view body);

}  // namespace xdpguard::feeds

#endif  // XDPGUARD_FEEDS_BODY_H_
