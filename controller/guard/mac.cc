// SPDX-License-Identifier: GPL-2.0
#include "guard/mac.h"

#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/printable.h"

namespace xdpguard::guard {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = absl::ascii_tolower(static_cast<unsigned char>(c));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

absl::StatusOr<Mac> ParseMac(absl::string_view text) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid MAC '", Printable(text), "': ", why, " (expected aa:bb:cc:dd:ee:ff)"));
  };
  if (text.size() != 17) return bad("wrong length");
  Mac mac{};
  for (int i = 0; i < 6; i++) {
    int hi = HexDigit(text[3 * i]), lo = HexDigit(text[3 * i + 1]);
    if (hi < 0 || lo < 0) return bad("not hexadecimal");
    if (i < 5 && text[3 * i + 2] != ':' && text[3 * i + 2] != '-') return bad("separator");
    mac[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  if (mac == Mac{}) return bad("all-zero address");
  if (mac == Mac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}) return bad("broadcast address");
  return mac;
}

std::string FormatMac(const uint8_t* m) {
  char buf[18];
  std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
                m[5]);
  return buf;
}

}  // namespace xdpguard::guard
