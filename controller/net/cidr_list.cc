// SPDX-License-Identifier: GPL-2.0
#include "net/cidr_list.h"

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/errno_status.h"
#include "common/radix_sort.h"
#include "common/printable.h"

namespace xdpguard::net {
namespace {

constexpr absl::string_view kBom = "\xEF\xBB\xBF";
constexpr size_t kMaxWarnings = 20;

absl::string_view TrimBlanks(absl::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == absl::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

}  // namespace

absl::StatusOr<CidrList> ParseCidrList(absl::string_view text, absl::string_view source,
                                       const CidrListOptions& options) {
  if (text.size() > options.max_bytes)
    return absl::InvalidArgumentError(absl::StrCat(source, ": larger than ", options.max_bytes,
                                                   " bytes; refusing to load"));
  absl::ConsumePrefix(&text, kBom);
  CidrList list;
  std::vector<std::string> errors;
  size_t error_count = 0;
  int line_no = 0;
  // One entry per line at most: reserved, so a million lines are not copied ~20 times.
  list.entries.reserve(static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++line_no;
    auto fail = [&](std::string why) {
      if (++error_count <= options.max_reported_errors)
        errors.push_back(absl::StrCat(source, ":", line_no, ": '", Printable(raw), "': ", why));
    };
    if (raw.size() > options.max_line_len) {
      fail(absl::StrCat("line longer than ", options.max_line_len, " bytes"));
      continue;
    }
    absl::string_view line = raw;
    if (size_t hash = line.find('#'); hash != absl::string_view::npos) line = line.substr(0, hash);
    line = TrimBlanks(line);
    if (line.empty()) continue;
    absl::StatusOr<ParsedCidr> parsed = ParseCidr(line);
    if (!parsed.ok()) {
      fail(std::string(parsed.status().message()));
      continue;
    }
    if (absl::Status floor = CheckPrefixFloor(parsed->cidr, options.force); !floor.ok()) {
      fail(std::string(floor.message()));
      continue;
    }
    auto warn = [&](std::string w) {
      if (list.warnings.size() < kMaxWarnings)
        list.warnings.push_back(absl::StrCat(source, ":", line_no, ": ", w));
    };
    if (parsed->host_bits_masked)
      warn(absl::StrCat("host bits masked: ", line, " -> ", parsed->cidr.ToString()));
    list.entries.push_back({parsed->cidr, line_no});
  }
  // Duplicates: the first occurrence stays, in file order. Found by sorting (key, line)
  // pairs, not a std::set of every CIDR (that was half of a 1M-line `block load`): IPv4 by
  // radix on one integer (stable, so the first occurrence comes first), IPv6 by comparison.
  std::vector<std::pair<uint64_t, uint32_t>> v4;
  std::vector<uint32_t> v6;
  v4.reserve(list.entries.size());
  for (size_t i = 0; i < list.entries.size(); i++) {
    const Cidr& c = list.entries[i].cidr;
    if (c.family == Family::kIPv4) {
      v4.emplace_back(V4SortKey(c), static_cast<uint32_t>(i));
    } else {
      v6.push_back(static_cast<uint32_t>(i));
    }
  }
  RadixSortKey40(&v4, [](const std::pair<uint64_t, uint32_t>& e) { return e.first; });
  std::sort(v6.begin(), v6.end(), [&](uint32_t a, uint32_t b) {
    const Cidr &x = list.entries[a].cidr, &y = list.entries[b].cidr;
    return x < y || (!(y < x) && a < b);
  });
  std::vector<bool> duplicate(list.entries.size(), false);
  for (size_t i = 1; i < v4.size(); i++) {
    if (v4[i - 1].first == v4[i].first) {
      duplicate[v4[i].second] = true;
      ++list.duplicates;
    }
  }
  for (size_t i = 1; i < v6.size(); i++) {
    if (!(list.entries[v6[i - 1]].cidr < list.entries[v6[i]].cidr)) {
      duplicate[v6[i]] = true;
      ++list.duplicates;
    }
  }
  if (list.duplicates > 0) {
    size_t kept = 0;
    for (size_t i = 0; i < list.entries.size(); i++)
      if (!duplicate[i]) list.entries[kept++] = list.entries[i];
    list.entries.resize(kept);
  }
  if (error_count > 0) {
    std::string more = error_count > errors.size()
                           ? absl::StrCat("\n(", error_count - errors.size(), " more)")
                           : "";
    return absl::InvalidArgumentError(absl::StrCat(error_count, " invalid line(s), nothing applied:\n",
                                                   absl::StrJoin(errors, "\n"), more));
  }
  return list;
}

absl::StatusOr<CidrList> LoadCidrListFile(const std::string& path,
                                          const CidrListOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ErrnoToStatus(errno, absl::StrCat("open ", path));
  // Read in chunks up to one byte past the cap, so an oversized file is detected
  // without allocating its full size.
  std::string text;
  char chunk[1 << 16];
  while (in && text.size() <= options.max_bytes) {
    in.read(chunk, sizeof(chunk));
    text.append(chunk, static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) return ErrnoToStatus(errno, absl::StrCat("read ", path));
  return ParseCidrList(text, path, options);
}

}  // namespace xdpguard::net
