// SPDX-License-Identifier: GPL-2.0
// Command-line parsing as `block add` sees it: arguments (split at newlines) through the
// flag parser, then the rule options (--action, --ttl, --ports, --ratelimit, ...), counts
// and durations. Nothing is executed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/rule_flags.h"
#include "common/duration.h"

using namespace xdpguard;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> argv;
  std::string cur;
  for (size_t i = 0; i < size; i++) {
    if (data[i] == '\n') {
      argv.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(static_cast<char>(data[i]));
    }
  }
  argv.push_back(cur);
  static const cli::FlagSpec spec{
      {"json", "force", "monitor", "new-only", "replace"},
      {"action", "ttl", "ports", "pps", "bps", "burst", "per", "comment", "mode"},
      {"mac"}};
  absl::StatusOr<cli::Args> args = cli::Args::Parse(argv, spec);
  if (!args.ok()) return 0;
  (void)cli::RuleFromFlags(*args);
  for (const std::string& p : args->positionals()) {
    (void)ParseDurationSeconds(p);
    (void)cli::ParseCount("--n", p, 1, 1000000);
  }
  return 0;
}
