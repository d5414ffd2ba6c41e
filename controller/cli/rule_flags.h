// SPDX-License-Identifier: GPL-2.0
// The command line's face of the one rule model (lists/rule_options.h): --action, --pps,
// --burst, --bps, --per, --ports, --new-only, --monitor, --ttl and --comment in; the rule,
// or every problem at once, each named by its flag ("--pps: expected ...").
#ifndef XDPGUARD_CLI_RULE_FLAGS_H_
#define XDPGUARD_CLI_RULE_FLAGS_H_

#include "absl/status/statusor.h"
#include "cli/args.h"
#include "lists/rule_options.h"

namespace xdpguard::cli {

absl::StatusOr<lists::ParsedRule> RuleFromFlags(const Args& args);

}  // namespace xdpguard::cli

#endif  // XDPGUARD_CLI_RULE_FLAGS_H_
