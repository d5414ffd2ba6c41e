// SPDX-License-Identifier: GPL-2.0
// A small command-line parser: positionals plus --flag / --flag VALUE / --flag=VALUE, each
// command declaring the flags it accepts, so a typo is a usage error (exit 2), never
// silently ignored.
#ifndef XDPGUARD_CLI_ARGS_H_
#define XDPGUARD_CLI_ARGS_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace xdpguard::cli {

struct FlagSpec {
  std::set<std::string> booleans;     // --json
  std::set<std::string> with_values;  // --mode native
  std::set<std::string> repeatable;   // valued flags that may be given more than once (--mac)
};

class Args {
 public:
  static absl::StatusOr<Args> Parse(const std::vector<std::string>& argv, const FlagSpec& spec);

  const std::vector<std::string>& positionals() const { return positionals_; }
  bool Has(const std::string& flag) const { return flags_.count(flag) > 0; }
  // The last value given for a flag.
  std::optional<std::string> Value(const std::string& flag) const;
  // Every value given for a repeatable flag, in order (e.g. --mac A --mac B).
  std::vector<std::string> Values(const std::string& flag) const;

 private:
  std::vector<std::string> positionals_;
  std::map<std::string, std::vector<std::string>> flags_;
};

// Strictly parses an unsigned decimal in [min, max]; names the flag on error.
absl::StatusOr<uint32_t> ParseCount(const std::string& flag, const std::string& text,
                                    uint32_t min, uint32_t max);

}  // namespace xdpguard::cli

#endif  // XDPGUARD_CLI_ARGS_H_
