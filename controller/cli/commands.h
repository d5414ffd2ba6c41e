// SPDX-License-Identifier: GPL-2.0
// The CLI verbs. Each takes the arguments after its verb and returns the process exit
// code: 0 success, 1 runtime failure, 2 usage error (bad flag or input), and for detach
// 3 = nothing of ours attached, 4 = the attached program is foreign (refused).
#ifndef XDPGUARD_CLI_COMMANDS_H_
#define XDPGUARD_CLI_COMMANDS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "lists/origin_names.h"
#include "nlohmann/json.hpp"
#include "xdpguard_maps.h"

namespace xdpguard::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNotAttached = 3;
inline constexpr int kExitForeign = 4;

struct Context {
  std::string pin_dir;
};

using Argv = std::vector<std::string>;

// The whole command line: global options, logging, dispatch to a verb. Returns the exit code.
int Main(int argc, char** argv);

int RunAttach(const Context& ctx, const Argv& args);
int RunDetach(const Context& ctx, const Argv& args);
int RunResize(const Context& ctx, const Argv& args);
int RunStatus(const Context& ctx, const Argv& args);
int RunMonitor(const Context& ctx, const Argv& args);
int RunTrack(const Context& ctx, const Argv& args);
int RunFlows(const Context& ctx, const Argv& args);
int RunGuard(const Context& ctx, const Argv& args);
int RunBlock(const Context& ctx, const Argv& args);
int RunAllow(const Context& ctx, const Argv& args);
int RunStats(const Context& ctx, const Argv& args);
int RunExplain(const Context& ctx, const Argv& args);
int RunFeeds(const Context& ctx, const Argv& args);
int RunCheck(const Context& ctx, const Argv& args);
int RunDaemon(const Context& ctx, const Argv& args);
// feeds run (cmd_feeds_run.cc), dispatched by RunFeeds.
class Args;
int RunFeedsLoop(const Context& ctx, const Args& args);
// The config file: --config, else $XDPGUARD_CONFIG, else /etc/xdpguard/xdpguard.json.
std::string ConfigPath(const Args& args);
// Feed names for the origins a listing shows (origin_lookup.cc); by id where the config
// or its state cannot be read.
lists::OriginNames OriginNamesFor(const Args& args);

// Prints status as an error and returns the exit code for it (InvalidArgument -> 2).
int Fail(const absl::Status& status);
// A rule's limits and scope as JSON fields (stable names: new_only, ports, ratelimit).
nlohmann::json RuleDetailsJson(const xg_rule& r);

}  // namespace xdpguard::cli

#endif  // XDPGUARD_CLI_COMMANDS_H_
