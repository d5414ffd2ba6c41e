// SPDX-License-Identifier: GPL-2.0
// Plain lists: one entry per line; '#' and ';' comments (whole-line or after the entry),
// CRLF, trailing blanks and extra columns (TAB, space or ',' separated) tolerated. Two
// headers double as truncation checks when present: FireHOL's "# Entries : N ..." must
// equal the number of entry lines, and a Spamhaus "; EOF" line marks a complete file.
#include <cstdint>
#include <cstring>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "feeds/parsers.h"

namespace xdpguard::feeds {
namespace {

constexpr size_t kMaxLineLen = 1024;

bool IsFieldSeparator(char ch) { return ch == ' ' || ch == '\t' || ch == ','; }

// Splits off fields separated by blanks/commas (runs of separators count once).
std::vector<absl::string_view> Fields(absl::string_view line, size_t max_fields) {
  std::vector<absl::string_view> out;
  size_t i = 0;
  while (i < line.size() && out.size() < max_fields) {
    while (i < line.size() && IsFieldSeparator(line[i])) i++;
    size_t start = i;
    while (i < line.size() && !IsFieldSeparator(line[i])) i++;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

// "# Entries : 2511 subnets, 618830080 unique IPs" -> 2511.
std::optional<uint64_t> FireholEntries(absl::string_view comment) {
  absl::string_view rest = absl::StripLeadingAsciiWhitespace(comment.substr(1));
  if (!absl::ConsumePrefix(&rest, "Entries")) return std::nullopt;
  rest = absl::StripLeadingAsciiWhitespace(rest);
  if (!absl::ConsumePrefix(&rest, ":")) return std::nullopt;
  rest = absl::StripLeadingAsciiWhitespace(rest);
  size_t digits = 0;
  while (digits < rest.size() && absl::ascii_isdigit(static_cast<unsigned char>(rest[digits]))) digits++;
  uint64_t n = 0;
  if (digits == 0 || !absl::SimpleAtoi(rest.substr(0, digits), &n)) return std::nullopt;
  return n;
}

}  // namespace

absl::StatusOr<ParsedFeed> ParsePlain(absl::string_view body, const PlainOptions& options) {
  ParsedFeed feed;
  feed.cidrs.reserve(body.size() / 14);  // ~14 bytes per IPv4 line: one allocation, not twenty
  std::optional<uint64_t> declared;
  uint64_t entry_lines = 0;
  size_t line_no = 0;
  const bool plain_columns = !options.dshield_columns;
  while (!body.empty()) {
    const char* nl_at = static_cast<const char*>(std::memchr(body.data(), '\n', body.size()));
    const size_t nl = nl_at ? static_cast<size_t>(nl_at - body.data()) : absl::string_view::npos;
    absl::string_view line = body.substr(0, nl);
    body = nl == absl::string_view::npos ? absl::string_view() : body.substr(nl + 1);
    line_no++;
    absl::ConsumeSuffix(&line, "\r");
    // Most lines of a big feed are one bare address: taken whole, before the general
    // handling of blanks, comments and columns below (which accepts the same lines).
    if (plain_columns && !feed.eof_marker && AddDottedQuad(line, &feed)) {
      entry_lines++;
      continue;
    }
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    if (feed.eof_marker)
      return absl::DataLossError(absl::StrCat("line ", line_no, ": content after '; EOF'"));
    if (line[0] == '#' || line[0] == ';') {
      if (line[0] == ';' && absl::StripAsciiWhitespace(line.substr(1)) == "EOF") feed.eof_marker = true;
      if (line[0] == '#' && !declared) declared = FireholEntries(line);
      continue;
    }
    entry_lines++;
    if (line.size() > kMaxLineLen) {
      AddEntry(line.substr(0, 60), &feed);  // counted as invalid with its start shown
      continue;
    }
    if (options.dshield_columns) {
      if (size_t cut = line.find_first_of("#;"); cut != absl::string_view::npos)
        line = absl::StripTrailingAsciiWhitespace(line.substr(0, cut));
      std::vector<absl::string_view> f = Fields(line, 3);
      if (f.size() < 3) {
        AddEntry(line, &feed);  // counted invalid
        continue;
      }
      AddEntry(absl::StrCat(f[0], "/", f[2]), &feed);
    } else {
      // The first field ends at a separator or an inline comment; found in one scan, without
      // building a vector per line (this loop runs a million times).
      size_t end = 0;
      while (end < line.size() && !IsFieldSeparator(line[end]) && line[end] != '#' && line[end] != ';') end++;
      AddEntry(line.substr(0, end), &feed);
    }
  }
  if (declared && *declared != entry_lines)
    return absl::DataLossError(absl::StrCat("truncated or altered: the header says ", *declared,
                                            " entries, the body has ", entry_lines));
  return feed;
}

}  // namespace xdpguard::feeds
