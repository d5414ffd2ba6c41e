// SPDX-License-Identifier: GPL-2.0
// xdpguard command-line entry: global options, logging set-up (libbpf and libxdp messages
// routed through spdlog), and dispatch to the verbs in cli/. main() is in main.cc.
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "datapath/pin_dir.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"

namespace {

constexpr const char* kUsage = R"(usage: xdpguard [--pin-dir DIR] [--verbose] COMMAND ...

Attach and inspect:
  attach IFACE [--mode native|generic|auto] [--monitor]
               [--flows off|matched|all] [--drop-sample N] [--pass-sample N]
               [--block-v4-entries N] [--block-v6-entries N] [--allow-v4-entries N]
               [--allow-v6-entries N] [--rule-stats-entries N] [--bucket-entries N]
               [--flow-entries N]
  detach IFACE [--keep-maps]
  resize [--block-v4-entries N] [--block-v6-entries N] [--allow-v4-entries N]
         [--allow-v6-entries N]   list capacity while attached, without a gap
  status [--json]
  monitor IFACE on|off          interface-wide dry run: count "would drop", pass
  track IFACE off|matched|all [--drop-sample N] [--pass-sample N]   flow tracking
  stats [--json] [--top N] [--config FILE]
  flows [--top N] [--sort packets|bytes|drops|last] [--by flow|source|rule]
        [--interval SECONDS] [--json] [--config FILE]

Gateway guard (spoofed ARP / IPv6 NA / rogue RA for the gateway):
  guard add IFACE --gateway IP [--mac MAC ...] [--drop]   (no --mac: learned from
                                                          the neighbour table)
  guard del IFACE --gateway IP
  guard list [--json]
  guard watch [--on-alert COMMAND] [--count N] [--timeout SECONDS]

Blocklist and allowlist:
  block add CIDR [RULE OPTIONS] [--comment TEXT] [--origin manual|fail2ban]
  block del CIDR [--origin manual|fail2ban]
  block list [--json] [--config FILE]    (--config: where feed names are found)
             [--origin NAME] [--action drop|pass|ratelimit|monitor] [--cidr CIDR]
  block load FILE|- [--replace] [RULE OPTIONS]
    RULE OPTIONS: [--action drop|pass|ratelimit|monitor] [--pps N] [--burst N] [--bps N]
                  [--per source|rule] [--ports P1,P2,...] [--new-only]
                  [--ttl DURATION] [--monitor] [--force]
  explain ADDRESS [--json] [--config FILE]   which list and rule decide it, and why
  allow add CIDR [--force] | allow del CIDR | allow list [--json] [--config FILE]

Service:
  run [--config FILE] [--detach-on-exit]  attach the config's interfaces, keep its static
                                          lists and run its feeds; SIGHUP reloads

Feeds (configured in the JSON config: --config FILE, $XDPGUARD_CONFIG or
/etc/xdpguard/xdpguard.json):
  check [--config FILE]                    validate the config; touches nothing
  feeds apply [--config FILE] [--force] [--resync]   fetch every feed not backing off, apply the union
  feeds refresh [NAME...] [--config FILE] [--force] [--resync]   fetch now, past our own backoff
  feeds status [--config FILE] [--json]
  feeds run [--config FILE]                refresh on schedule until SIGTERM (first
                                           re-applies the last good copies; SIGHUP reloads)
    --force: accept a list that shrank beyond max_shrink, and ignore a server's Retry-After
    --resync: compare with the maps themselves (restores feed entries removed by hand)

Exit codes: 0 ok, 1 failure, 2 usage error, 3 nothing attached (detach), 4 foreign program.
State is pinned under /sys/fs/bpf/xdpguard (or --pin-dir / $XDPGUARD_PIN_DIR).
)";

// libbpf prints verifier logs and kernel (extack) messages at WARN: keep them visible.
int LibbpfPrint(enum libbpf_print_level level, const char* fmt, va_list ap) {
  char buf[4096];
  vsnprintf(buf, sizeof(buf), fmt, ap);
  size_t n = strlen(buf);
  if (n && buf[n - 1] == '\n') buf[n - 1] = 0;
  // The .xdp_run_config section is for libxdp, not libbpf: its notice is noise.
  if (strstr(buf, "skipping unrecognized data section")) return 0;
  // libxdp probes its dispatcher by loading xdp-dispatcher.o/xdp_pass; where the kernel
  // refuses (EPERM on this class of kernel) libxdp falls back and `status` says so. Those
  // probe failures are not our program's and would only alarm the operator.
  bool dispatcher_probe = strstr(buf, "xdp_pass") || strstr(buf, "xdp-dispatcher") ||
                          strstr(buf, "ulimit -l");
  if (level == LIBBPF_WARN && !dispatcher_probe) {
    spdlog::warn("{}", buf);
  } else {
    spdlog::debug("{}", buf);
  }
  return 0;
}

// libxdp's warnings are informational for us (e.g. the dispatcher fallback), which
// `status` reports anyway.
int LibxdpPrint(enum libxdp_print_level level, const char* fmt, va_list ap) {
  char buf[1024];
  vsnprintf(buf, sizeof(buf), fmt, ap);
  size_t n = strlen(buf);
  if (n && buf[n - 1] == '\n') buf[n - 1] = 0;
  if (level == LIBXDP_WARN) {
    spdlog::info("libxdp: {}", buf);
  } else {
    spdlog::debug("libxdp: {}", buf);
  }
  return 0;
}

// The usage lines of one verb: those starting with it, and their continuation lines (more
// indented), from the one usage text; empty for an unknown verb.
std::string VerbUsage(const std::string& verb) {
  std::string out;
  std::string text = kUsage;
  size_t verb_indent = std::string::npos;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    const size_t indent = line.find_first_not_of(' ');
    if (indent == std::string::npos || indent == 0) {
      verb_indent = std::string::npos;
      continue;
    }
    const std::string body = line.substr(indent);
    if (body.rfind(verb + " ", 0) == 0 || body == verb) {
      verb_indent = indent;
      out += line + "\n";
    } else if (verb_indent != std::string::npos && indent > verb_indent) {
      out += line + "\n";
    } else {
      verb_indent = std::string::npos;
    }
  }
  return out;
}

bool AsksForHelp(const std::vector<std::string>& args) {
  for (const std::string& a : args)
    if (a == "--help" || a == "-h") return true;
  return false;
}

}  // namespace

namespace xdpguard::cli {

int Main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_st("xdpguard");
  logger->set_pattern("xdpguard: %^%l%$: %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::info);
  libbpf_set_print(LibbpfPrint);
  libxdp_set_print(LibxdpPrint);

  Context ctx{datapath::DefaultPinDir()};
  std::vector<std::string> args(argv + 1, argv + argc);
  size_t i = 0;
  for (; i < args.size() && (args[i].rfind("--", 0) == 0 || args[i] == "-h"); i++) {
    if (args[i] == "--verbose") {
      spdlog::set_level(spdlog::level::debug);
    } else if (args[i] == "--pin-dir") {
      if (i + 1 >= args.size()) {
        std::cerr << "xdpguard: --pin-dir needs a directory (under /sys/fs/bpf)\n";
        return kExitUsage;
      }
      ctx.pin_dir = args[++i];
    } else if (args[i] == "--help" || args[i] == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (args[i] == "--version") {
      std::cout << "xdpguard " XDPGUARD_VERSION "\n";
      return 0;
    } else {
      std::cerr << "xdpguard: unknown option '" << args[i] << "'\n" << kUsage;
      return kExitUsage;
    }
  }
  if (i >= args.size()) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  // A relative pin directory would name different state from every working directory;
  // "..", "." and trailing slashes are resolved lexically (nothing on the way is followed).
  absl::StatusOr<std::string> pin_dir = datapath::NormalizePinDir(ctx.pin_dir);
  if (!pin_dir.ok()) {
    std::cerr << "xdpguard: " << pin_dir.status().message() << " (under /sys/fs/bpf)\n";
    return kExitUsage;
  }
  ctx.pin_dir = *pin_dir;
  std::string verb = args[i];
  Argv rest(args.begin() + static_cast<long>(i) + 1, args.end());
  // VERB --help / -h: that verb's usage, exit 0 (not a usage error).
  if (verb != "help" && AsksForHelp(rest)) {
    const std::string usage = VerbUsage(verb);
    if (!usage.empty()) {
      std::cout << "usage: xdpguard [--pin-dir DIR] [--verbose]\n" << usage
                << "(every verb and option: docs/cli.md)\n";
      return 0;
    }
  }
  if (verb == "attach") return RunAttach(ctx, rest);
  if (verb == "detach") return RunDetach(ctx, rest);
  if (verb == "resize") return RunResize(ctx, rest);
  if (verb == "status") return RunStatus(ctx, rest);
  if (verb == "monitor") return RunMonitor(ctx, rest);
  if (verb == "track") return RunTrack(ctx, rest);
  if (verb == "flows") return RunFlows(ctx, rest);
  if (verb == "guard") return RunGuard(ctx, rest);
  if (verb == "block") return RunBlock(ctx, rest);
  if (verb == "allow") return RunAllow(ctx, rest);
  if (verb == "stats") return RunStats(ctx, rest);
  if (verb == "explain") return RunExplain(ctx, rest);
  if (verb == "feeds") return RunFeeds(ctx, rest);
  if (verb == "check") return RunCheck(ctx, rest);
  if (verb == "run") return RunDaemon(ctx, rest);
  if (verb == "help") {
    const std::string usage = rest.empty() ? "" : VerbUsage(rest[0]);
    std::cout << (usage.empty() ? kUsage : "usage: xdpguard [--pin-dir DIR] [--verbose]\n" + usage);
    return 0;
  }
  std::cerr << "xdpguard: unknown command '" << verb << "'\n" << kUsage;
  return kExitUsage;
}

}  // namespace xdpguard::cli
