// SPDX-License-Identifier: GPL-2.0
#include "cli/rule_flags.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace xdpguard::cli {

absl::StatusOr<lists::ParsedRule> RuleFromFlags(const Args& args) {
  lists::RuleInput in;
  in.action = args.Value("action");
  in.pps = args.Value("pps");
  in.burst = args.Value("burst");
  in.bps = args.Value("bps");
  in.per = args.Value("per");
  in.ports = args.Value("ports");
  in.new_only = args.Has("new-only");
  in.monitor = args.Has("monitor");
  in.ttl = args.Value("ttl");
  in.comment = args.Value("comment");
  lists::ParsedRule rule;
  std::vector<lists::RuleProblem> problems = lists::ParseRule(in, /*allow_pass=*/true, &rule);
  if (problems.empty()) return rule;
  std::vector<std::string> messages;
  for (const lists::RuleProblem& p : problems) {
    std::string flag = p.field;
    if (flag == "ratelimit")  // the group: name the flag that was given, or the one missing
      flag = in.burst ? "burst" : in.bps ? "bps" : in.per ? "per" : "pps";
    messages.push_back(absl::StrCat("--", flag, ": ", p.message));
  }
  return absl::InvalidArgumentError(absl::StrJoin(messages, "; "));
}

}  // namespace xdpguard::cli
