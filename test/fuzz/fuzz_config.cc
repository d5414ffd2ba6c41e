// SPDX-License-Identifier: GPL-2.0
// The service's JSON config: every value range, duplicate keys, odd numbers and strings
// must end in a clear refusal or a valid config, never a crash. Seeds: the example config.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.h"

using namespace xdpguard;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)config::ParseConfig(text, "fuzz.json");
  return 0;
}
