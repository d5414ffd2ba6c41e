// SPDX-License-Identifier: GPL-2.0
// Escapes text that came from files, feeds or packets before it reaches a terminal or a
// log: control and non-ASCII bytes become \xNN, and long text is cut with "...".
#ifndef XDPGUARD_COMMON_PRINTABLE_H_
#define XDPGUARD_COMMON_PRINTABLE_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace xdpguard {

inline std::string Printable(absl::string_view s, size_t max_len = 80) {
  std::string out;
  for (unsigned char ch : s.substr(0, max_len)) {
    if (ch >= 0x20 && ch < 0x7f) {
      out.push_back(static_cast<char>(ch));
    } else {
      out += absl::StrCat("\\x", absl::Hex(ch, absl::kZeroPad2));
    }
  }
  if (s.size() > max_len) out += "...";
  return out;
}

}  // namespace xdpguard

#endif  // XDPGUARD_COMMON_PRINTABLE_H_
