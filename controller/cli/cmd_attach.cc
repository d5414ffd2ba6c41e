// SPDX-License-Identifier: GPL-2.0
// attach, detach, resize, status and monitor: the verbs that manage where the datapath
// runs.
#include <bpf/bpf.h>

#include <cerrno>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "session/session.h"
#include "common/errno_status.h"
#include "datapath/attach.h"
#include "datapath/pin_dir.h"
#include "datapath/pinned_maps.h"
#include "datapath/resize.h"
#include "nlohmann/json.hpp"
#include "spdlog/spdlog.h"

namespace xdpguard::cli {
namespace {

using datapath::InterfaceXdpState;

datapath::InterfaceSettings SettingsOf(const datapath::PinnedMaps& maps, int ifindex) {
  absl::StatusOr<datapath::InterfaceSettings> s =
      datapath::GetInterfaceSettings(maps.ifconfig_fd(), static_cast<uint32_t>(ifindex));
  return s.ok() ? *s : datapath::InterfaceSettings{};
}

// Applies --flows MODE and --drop-sample N (either may be absent) to cfg.
absl::Status ApplyTrackingFlags(const Args& args, datapath::InterfaceSettings* cfg) {
  if (auto m = args.Value("flows")) {
    absl::StatusOr<uint8_t> mode = datapath::ParseFlowMode(*m);
    if (!mode.ok()) return mode.status();
    cfg->flow_mode = *mode;
  }
  struct {
    const char* flag;
    uint8_t* field;
  } samples[] = {{"drop-sample", &cfg->drop_sample_shift}, {"pass-sample", &cfg->pass_sample_shift}};
  for (auto& s : samples) {
    if (auto n = args.Value(s.flag)) {
      absl::StatusOr<uint32_t> rate = ParseCount(s.flag, *n, 1, 1u << XG_MAX_DROP_SAMPLE_SHIFT);
      if (!rate.ok()) return rate.status();
      absl::StatusOr<uint8_t> shift = datapath::SampleRateToShift(*rate, s.flag);
      if (!shift.ok()) return shift.status();
      *s.field = *shift;
    }
  }
  return absl::OkStatus();
}

// The map-size flags present among the command's (attach: all, resize: the list tables'),
// into sizes.
absl::Status ParseSizeFlags(const Args& args, datapath::MapSizes* sizes) {
  struct {
    const char* flag;
    uint32_t* field;
  } flags[] = {{"block-v4-entries", &sizes->block_v4},
               {"block-v6-entries", &sizes->block_v6},
               {"allow-v4-entries", &sizes->allow_v4},
               {"allow-v6-entries", &sizes->allow_v6},
               {"rule-stats-entries", &sizes->rule_stats},
               {"bucket-entries", &sizes->buckets},
               {"flow-entries", &sizes->flows}};
  for (auto& f : flags) {
    if (auto v = args.Value(f.flag)) {
      absl::StatusOr<uint32_t> n = ParseCount(f.flag, *v, 1, XG_MAX_MAP_ENTRIES);
      if (!n.ok()) return n.status();
      *f.field = *n;
    }
  }
  return absl::OkStatus();
}

std::string Describe(const InterfaceXdpState& st) {
  const auto* ours = st.Ours();
  return absl::StrCat(st.ifname, ": ", st.mode, " mode, program id ", ours ? ours->id : 0,
                      st.frags ? " (frags)" : "",
                      st.multiprog ? absl::StrCat(", libxdp dispatcher id ", st.dispatcher_id,
                                                  " with ", st.programs.size(), " program(s)")
                                   : ", single program (libxdp dispatcher not in use)");
}

}  // namespace

int RunAttach(const Context& ctx, const Argv& argv) {
  FlagSpec spec{{"monitor", "replace"},
                {"mode", "block-v4-entries", "block-v6-entries", "allow-v4-entries",
                 "allow-v6-entries", "rule-stats-entries", "bucket-entries", "flow-entries",
                 "flows", "drop-sample", "pass-sample"}};
  absl::StatusOr<Args> args = Args::Parse(argv, spec);
  if (!args.ok()) return Fail(args.status());
  if (args->positionals().size() != 1)
    return Fail(absl::InvalidArgumentError("usage: attach IFACE [--mode ...]"));
  datapath::AttachOptions opts;
  opts.ifname = args->positionals()[0];
  opts.pin_dir = ctx.pin_dir;
  opts.force_replace = args->Has("replace");
  if (auto m = args->Value("mode")) {
    absl::StatusOr<datapath::AttachMode> mode = datapath::ParseAttachMode(*m);
    if (!mode.ok()) return Fail(mode.status());
    opts.mode = *mode;
  }
  if (absl::Status s = ParseSizeFlags(*args, &opts.sizes); !s.ok()) return Fail(s);
  // Settings are validated here and written by Attach() before the program goes live.
  datapath::InterfaceSettings tracking;
  if (absl::Status s = ApplyTrackingFlags(*args, &tracking); !s.ok()) return Fail(s);
  opts.monitor = args->Has("monitor");
  if (args->Has("flows")) opts.flow_mode = tracking.flow_mode;
  if (args->Has("drop-sample")) opts.drop_sample_shift = tracking.drop_sample_shift;
  if (args->Has("pass-sample")) opts.pass_sample_shift = tracking.pass_sample_shift;
  if (absl::StatusOr<int> idx = datapath::InterfaceIndex(opts.ifname); !idx.ok())
    return Fail(absl::InvalidArgumentError(idx.status().message()));
  if (absl::Status s = session::CheckPrivileges(true, /*loads_program=*/true); !s.ok()) return Fail(s);
  const bool pin_dir_existed = datapath::CheckPinDir(ctx.pin_dir).ok();
  if (absl::Status s = datapath::CreatePinDir(ctx.pin_dir); !s.ok()) return Fail(s);
  absl::StatusOr<datapath::PinDirLock> lock = datapath::PinDirLock::Acquire(ctx.pin_dir);
  if (!lock.ok()) return Fail(lock.status());

  absl::StatusOr<datapath::AttachResult> r = datapath::Attach(opts);
  if (!r.ok()) {
    // A refused or failed first attach leaves nothing behind (not even an empty dir).
    if (!pin_dir_existed) (void)datapath::RemovePinnedState(ctx.pin_dir);
    return Fail(r.status());
  }
  if (!r->note.empty()) spdlog::warn("{}", r->note);
  std::cout << r->action << " " << Describe(r->state)
            << (args->Has("monitor") ? ", monitor mode on" : "") << "\n";
  return kExitOk;
}

int RunDetach(const Context& ctx, const Argv& argv) {
  absl::StatusOr<Args> args = Args::Parse(argv, {{"keep-maps"}, {}});
  if (!args.ok()) return Fail(args.status());
  if (args->positionals().size() != 1)
    return Fail(absl::InvalidArgumentError("usage: detach IFACE [--keep-maps]"));
  const std::string& ifname = args->positionals()[0];
  absl::StatusOr<int> ifindex = datapath::InterfaceIndex(ifname);
  if (!ifindex.ok()) return Fail(absl::InvalidArgumentError(ifindex.status().message()));
  if (absl::Status s = session::CheckPrivileges(true); !s.ok()) return Fail(s);

  absl::Status checked = datapath::CheckPinDir(ctx.pin_dir);
  std::optional<datapath::PinDirLock> lock;
  if (checked.ok()) {
    absl::StatusOr<datapath::PinDirLock> l = datapath::PinDirLock::Acquire(ctx.pin_dir);
    if (!l.ok()) return Fail(l.status());
    lock.emplace(std::move(*l));
  } else if (!absl::IsNotFound(checked)) {
    return Fail(checked);
  }
  absl::Status st = datapath::Detach(ifname, ctx.pin_dir);
  if (absl::IsNotFound(st)) {
    std::cerr << "xdpguard: " << st.message() << " (nothing to detach)\n";
    return kExitNotAttached;
  }
  if (absl::IsFailedPrecondition(st)) {
    std::cerr << "xdpguard: " << st.message() << "\n";
    return kExitForeign;
  }
  if (!st.ok()) return Fail(st);
  if (absl::StatusOr<std::unique_ptr<datapath::PinnedMaps>> maps =
          datapath::PinnedMaps::Open(ctx.pin_dir);
      maps.ok()) {
    if (absl::Status s = datapath::ResetInterfaceSettings((*maps)->ifconfig_fd(),
                                                          static_cast<uint32_t>(*ifindex));
        !s.ok())
      spdlog::warn("could not forget the settings of {}: {}", ifname, std::string(s.message()));
  }
  std::cout << "detached from " << ifname << "\n";
  if (args->Has("keep-maps")) {
    std::cout << "lists kept in " << ctx.pin_dir << "\n";
    return kExitOk;
  }
  absl::Status removed = datapath::RemovePinnedState(ctx.pin_dir);
  if (absl::IsFailedPrecondition(removed)) {
    std::cout << removed.message() << "\n";
  } else if (!removed.ok()) {
    return Fail(removed);
  } else {
    std::cout << "removed pinned maps in " << ctx.pin_dir << "\n";
  }
  return kExitOk;
}

int RunResize(const Context& ctx, const Argv& argv) {
  absl::StatusOr<Args> args = Args::Parse(
      argv, {{}, {"block-v4-entries", "block-v6-entries", "allow-v4-entries", "allow-v6-entries"}});
  if (!args.ok()) return Fail(args.status());
  datapath::MapSizes sizes;
  if (absl::Status s = ParseSizeFlags(*args, &sizes); !s.ok()) return Fail(s);
  if (!args->positionals().empty() ||
      !(sizes.block_v4 || sizes.block_v6 || sizes.allow_v4 || sizes.allow_v6))
    return Fail(absl::InvalidArgumentError(
        "usage: resize [--block-v4-entries N] [--block-v6-entries N] [--allow-v4-entries N] "
        "[--allow-v6-entries N] (at least one)"));
  if (absl::Status s = session::CheckPrivileges(true, /*loads_program=*/true); !s.ok()) return Fail(s);
  if (absl::Status s = datapath::CheckPinDir(ctx.pin_dir); !s.ok()) {
    if (absl::IsNotFound(s))
      return Fail(absl::FailedPreconditionError(absl::StrCat(
          "nothing to resize: no xdpguard state in ", ctx.pin_dir,
          " (attach sizes the tables: attach IFACE --block-v4-entries N ...)")));
    return Fail(s);
  }
  absl::StatusOr<datapath::PinDirLock> lock = datapath::PinDirLock::Acquire(ctx.pin_dir);
  if (!lock.ok()) return Fail(lock.status());
  absl::StatusOr<datapath::ResizeOutcome> r = datapath::ResizeLists(ctx.pin_dir, sizes);
  if (!r.ok()) return Fail(r.status());
  if (r->tables.empty()) {
    std::cout << "every table asked for already has that capacity; nothing changed\n";
    return kExitOk;
  }
  for (const datapath::ResizedTable& t : r->tables)
    std::cout << "resized " << t.name << ": " << t.old_capacity << " -> " << t.new_capacity
              << " entries (" << t.entries << " copied)\n";
  if (r->interfaces.empty()) {
    std::cout << "no interface attached: the pinned tables were replaced\n";
  } else {
    std::cout << "program swapped atomically on";
    for (const std::string& i : r->interfaces) std::cout << " " << i;
    std::cout << "\n";
  }
  return kExitOk;
}

int RunMonitor(const Context& ctx, const Argv& argv) {
  absl::StatusOr<Args> args = Args::Parse(argv, {});
  if (!args.ok()) return Fail(args.status());
  const auto& pos = args->positionals();
  if (pos.size() != 2 || (pos[1] != "on" && pos[1] != "off"))
    return Fail(absl::InvalidArgumentError("usage: monitor IFACE on|off"));
  absl::StatusOr<int> ifindex = datapath::InterfaceIndex(pos[0]);
  if (!ifindex.ok()) return Fail(absl::InvalidArgumentError(ifindex.status().message()));
  absl::StatusOr<session::WriteSession> ws = session::OpenForWrite(ctx.pin_dir);
  if (!ws.ok()) return Fail(ws.status());
  datapath::InterfaceSettings cfg = SettingsOf(*ws->maps, *ifindex);
  cfg.monitor = pos[1] == "on";
  if (absl::Status s = datapath::PutInterfaceSettings(ws->maps->ifconfig_fd(),
                                                      static_cast<uint32_t>(*ifindex), cfg);
      !s.ok())
    return Fail(s);
  std::cout << "monitor mode " << pos[1] << " for " << pos[0]
            << (pos[1] == "on" ? ": matches are counted as would-drop and passed" : "") << "\n";
  return kExitOk;
}

int RunTrack(const Context& ctx, const Argv& argv) {
  absl::StatusOr<Args> args = Args::Parse(argv, {{}, {"drop-sample", "pass-sample"}});
  if (!args.ok()) return Fail(args.status());
  const auto& pos = args->positionals();
  if (pos.size() != 2)
    return Fail(absl::InvalidArgumentError(
        "usage: track IFACE off|matched|all [--drop-sample N] [--pass-sample N]"));
  absl::StatusOr<uint8_t> mode = datapath::ParseFlowMode(pos[1]);
  if (!mode.ok()) return Fail(mode.status());
  absl::StatusOr<int> ifindex = datapath::InterfaceIndex(pos[0]);
  if (!ifindex.ok()) return Fail(absl::InvalidArgumentError(ifindex.status().message()));
  absl::StatusOr<session::WriteSession> ws = session::OpenForWrite(ctx.pin_dir);
  if (!ws.ok()) return Fail(ws.status());
  datapath::InterfaceSettings cfg = SettingsOf(*ws->maps, *ifindex);
  cfg.flow_mode = *mode;
  if (absl::Status s = ApplyTrackingFlags(*args, &cfg); !s.ok()) return Fail(s);
  if (absl::Status s = datapath::PutInterfaceSettings(ws->maps->ifconfig_fd(),
                                                      static_cast<uint32_t>(*ifindex), cfg);
      !s.ok())
    return Fail(s);
  std::cout << "flow tracking " << pos[1] << " on " << pos[0] << " (dropped packets sampled 1 in "
            << cfg.drop_sample() << ", unmatched packets in all mode 1 in " << cfg.pass_sample()
            << ")\n";
  return kExitOk;
}

int RunStatus(const Context& ctx, const Argv& argv) {
  absl::StatusOr<Args> args = Args::Parse(argv, {{"json"}, {}});
  if (!args.ok()) return Fail(args.status());
  if (!args->positionals().empty()) return Fail(absl::InvalidArgumentError("usage: status [--json]"));
  if (absl::Status s = session::CheckPrivileges(false); !s.ok()) return Fail(s);
  absl::StatusOr<std::unique_ptr<datapath::PinnedMaps>> maps =
      datapath::PinnedMaps::Open(ctx.pin_dir);
  absl::StatusOr<std::vector<InterfaceXdpState>> ifaces = datapath::FindOurInterfaces(ctx.pin_dir);
  if (!ifaces.ok()) return Fail(ifaces.status());
  nlohmann::json j;
  j["pin_dir"] = ctx.pin_dir;
  j["pinned"] = maps.ok();
  j["interfaces"] = nlohmann::json::array();
  for (const auto& st : *ifaces) {
    const auto* ours = st.Ours();
    datapath::InterfaceSettings settings =
        maps.ok() ? SettingsOf(**maps, st.ifindex) : datapath::InterfaceSettings{};
    j["interfaces"].push_back({{"name", st.ifname},
                               {"ifindex", st.ifindex},
                               {"mode", st.mode},
                               {"program_id", ours ? ours->id : 0},
                               {"program", ours ? ours->name : ""},
                               {"frags", st.frags},
                               {"libxdp_dispatcher", st.multiprog},
                               {"programs_on_interface", st.programs.size()},
                               {"monitor", settings.monitor},
                               {"flow_tracking", datapath::FlowModeName(settings.flow_mode)},
                               {"drop_sample", settings.drop_sample()},
                               {"pass_sample", settings.pass_sample()}});
  }
  if (maps.ok()) {
    for (const char* name : {XG_MAP_BLOCK_V4, XG_MAP_BLOCK_V6, XG_MAP_ALLOW_V4, XG_MAP_ALLOW_V6,
                             XG_MAP_FLOWS, XG_MAP_BUCKETS}) {
      datapath::MapBackend* m = (*maps)->entries(name);
      absl::StatusOr<uint32_t> n = m->Count();
      if (!n.ok()) return Fail(n.status());
      j["maps"][name] = {{"entries", *n}, {"capacity", m->max_entries()}};
    }
  } else if (!absl::IsNotFound(maps.status())) {
    return Fail(maps.status());
  }
  if (args->Has("json")) {
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  if (!maps.ok()) {
    std::cout << "not attached: no pinned state in " << ctx.pin_dir << "\n";
    return kExitOk;
  }
  std::cout << "pinned state: " << ctx.pin_dir << "\n";
  if (ifaces->empty()) std::cout << "attached: none (lists kept, nothing enforcing them)\n";
  for (const auto& st : *ifaces) {
    datapath::InterfaceSettings cfg = SettingsOf(**maps, st.ifindex);
    std::cout << "attached " << Describe(st)
              << (cfg.monitor ? ", MONITOR MODE (nothing dropped)" : "")
              << ", flow tracking " << datapath::FlowModeName(cfg.flow_mode)
              << " (dropped packets sampled 1 in " << cfg.drop_sample()
              << (cfg.flow_mode == XG_FLOWS_ALL
                      ? absl::StrCat(", unmatched packets 1 in ", cfg.pass_sample())
                      : "")
              << ")\n";
  }
  for (auto& [name, v] : j["maps"].items())
    std::cout << "  " << name << ": " << v["entries"] << " / " << v["capacity"] << " entries\n";
  return kExitOk;
}

int Fail(const absl::Status& status) {
  std::cerr << "xdpguard: " << (absl::IsInvalidArgument(status) ? "" : "error: ")
            << status.message() << "\n";
  return absl::IsInvalidArgument(status) ? kExitUsage : kExitFailure;
}

}  // namespace xdpguard::cli
