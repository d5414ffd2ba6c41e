// SPDX-License-Identifier: GPL-2.0
// Spamhaus DROP: the legacy text ("CIDR ; SBLnnn", "; EOF" last) is a plain list; the JSON
// form is JSON Lines, data records {"cidr":...} and a final {"type":"metadata",...} whose
// "records" and "size" (bytes of the data lines, LFs included) must match what arrived:
// a missing or disagreeing metadata record is a truncated download.
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "feeds/body.h"
#include "feeds/parsers.h"
#include "nlohmann/json.hpp"

namespace xdpguard::feeds {
namespace {

using json = nlohmann::json;

absl::StatusOr<ParsedFeed> ParseJsonLines(absl::string_view body) {
  ParsedFeed feed;
  uint64_t data_records = 0, data_bytes = 0, asn_records = 0;
  bool have_meta = false;
  int64_t meta_records = -1, meta_size = -1;
  size_t line_no = 0;
  while (!body.empty()) {
    size_t nl = body.find('\n');
    absl::string_view raw = body.substr(0, nl == absl::string_view::npos ? body.size() : nl + 1);
    body.remove_prefix(raw.size());
    line_no++;
    absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (line.empty()) continue;
    if (have_meta)
      return absl::DataLossError(absl::StrCat("line ", line_no, ": data after the metadata record"));
    json j = json::parse(line.begin(), line.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object())
      return absl::DataLossError(absl::StrCat("line ", line_no, " is not a JSON object (truncated?)"));
    if (j.contains("type") && j["type"] == "metadata") {
      have_meta = true;
      if (j.contains("records") && j["records"].is_number_integer()) meta_records = j["records"].get<int64_t>();
      if (j.contains("size") && j["size"].is_number_integer()) meta_size = j["size"].get<int64_t>();
      continue;
    }
    data_records++;
    data_bytes += raw.size();
    if (j.contains("cidr") && j["cidr"].is_string()) {
      AddEntry(j["cidr"].get<std::string>(), &feed);
    } else if (j.contains("asn")) {
      asn_records++;
    }
    // Other record types are skipped: select by what we need, not by what we know.
  }
  if (!have_meta) return absl::DataLossError("no metadata record at the end: truncated download");
  if (meta_records != static_cast<int64_t>(data_records) || meta_size != static_cast<int64_t>(data_bytes))
    return absl::DataLossError(absl::StrCat("truncated or altered: metadata says ", meta_records,
                                            " records / ", meta_size, " bytes, received ",
                                            data_records, " / ", data_bytes));
  if (feed.cidrs.empty() && asn_records > 0)
    return absl::InvalidArgumentError("this is ASN-DROP (autonomous systems, not prefixes)");
  // The metadata line makes the file self-describing: an empty data part is a real empty list.
  feed.eof_marker = true;
  return feed;
}

}  // namespace

absl::StatusOr<ParsedFeed> ParseSpamhausDrop(absl::string_view body) {
  if (FirstNonBlank(body) == '{') return ParseJsonLines(body);
  return ParsePlain(body, PlainOptions{});
}

}  // namespace xdpguard::feeds
