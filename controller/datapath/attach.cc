// SPDX-License-Identifier: GPL-2.0
#include "datapath/attach.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <sys/stat.h>
#include <linux/capability.h>
#include <linux/if_link.h>
#include <unistd.h>
#include <xdp/libxdp.h>

#include <cerrno>
#include <set>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "common/capabilities.h"
#include "common/errno_status.h"
#include "common/unique_fd.h"
#include "datapath/interface_config.h"
#include "datapath/pinned_maps.h"
#include "datapath/program_pins.h"
#include "datapath/stats_slots.h"

namespace xdpguard::datapath {
namespace {

enum xdp_attach_mode LibxdpMode(AttachMode m) {
  switch (m) {
    case AttachMode::kNative:
      return XDP_MODE_NATIVE;
    case AttachMode::kGeneric:
      return XDP_MODE_SKB;
    case AttachMode::kHw:
      return XDP_MODE_HW;
    case AttachMode::kAuto:
      break;
  }
  return XDP_MODE_UNSPEC;
}

// How a program is named in messages: its name, or why it has none.
std::string ProgramLabel(const XdpProgramInfo& p) {
  if (!p.name.empty()) return absl::StrCat("'", p.name, "'");
  return "'?' (its name needs CAP_SYS_ADMIN to read)";
}

uint32_t NetlinkModeFlag(const std::string& mode) {
  if (mode == "native") return XDP_FLAGS_DRV_MODE;
  if (mode == "generic") return XDP_FLAGS_SKB_MODE;
  if (mode == "hw") return XDP_FLAGS_HW_MODE;
  return 0;
}

}  // namespace

absl::Status SwapProgram(const InterfaceXdpState& state, int old_fd, int new_fd) {
  LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = old_fd);
  uint32_t flags = XDP_FLAGS_REPLACE | NetlinkModeFlag(state.mode);
  if (int err = bpf_xdp_attach(state.ifindex, new_fd, flags, &opts); err)
    return ErrnoToStatus(err, absl::StrCat("atomically replace program ",
                                           state.Ours() ? state.Ours()->id : 0, " on ",
                                           state.ifname));
  return absl::OkStatus();
}

namespace {

// Loads this build's program (reusing the pinned maps) and swaps it in for our attached
// one (SwapProgram).
absl::StatusOr<AttachResult> ReplaceOurs(const AttachOptions& options,
                                         const InterfaceXdpState& state, bool frags) {
  const XdpProgramInfo& ours = *state.Ours();
  if (state.multiprog) {
    AttachResult r{"adopted", "", state};
    if (options.force_replace)
      return absl::UnimplementedError(
          "xdpguard runs inside the libxdp dispatcher here; libxdp 1.3 cannot swap one "
          "component atomically. Detach and attach to upgrade (this opens a short gap)");
    return r;
  }
  absl::StatusOr<std::unique_ptr<DatapathObject>> obj =
      DatapathObject::Open({options.pin_dir, options.sizes, frags});
  if (!obj.ok()) return obj.status();
  if (absl::Status s = (*obj)->Load(); !s.ok()) return s;
  int new_fd = bpf_program__fd((*obj)->program());
  bpf_prog_info info{};
  uint32_t len = sizeof(info);
  if (int err = bpf_obj_get_info_by_fd(new_fd, &info, &len); err)
    return ErrnoToStatus(err, "read info of the new program");
  std::string new_tag;
  for (unsigned char b : info.tag) new_tag += absl::StrCat(absl::Hex(b, absl::kZeroPad2));
  bool same_variant = state.frags == frags;
  // The attached program's fd, for the kernel's check: from our pin of it (or by id, for
  // a program attached before pins existed, which needs CAP_SYS_ADMIN).
  absl::StatusOr<UniqueFd> old_fd = OpenProgram(options.pin_dir, ours.id);
  if (new_tag == ours.tag && same_variant && !options.force_replace) {
    // Identical program already running: keep it, its counters and its id (and pin it if
    // an older xdpguard attached it without a pin).
    if (absl::Status s = (*obj)->FinishPinning(); !s.ok()) return s;
    if (old_fd.ok()) (void)PinProgram(old_fd->get(), options.pin_dir);
    return AttachResult{"adopted", "", state};
  }
  if (!old_fd.ok()) return old_fd.status();
  if (absl::Status s = SwapProgram(state, old_fd->get(), new_fd); !s.ok()) return s;
  if (absl::Status s = (*obj)->FinishPinning(); !s.ok()) return s;
  if (absl::Status s = PinProgram(new_fd, options.pin_dir); !s.ok()) return s;
  if (absl::Status s = UnpinProgram(options.pin_dir, ours.id); !s.ok()) return s;
  AttachResult r{"replaced", absl::StrCat("replaced program ", ours.id, " (tag ", ours.tag,
                                          ") atomically"),
                 {}};
  absl::StatusOr<InterfaceXdpState> now = QueryInterface(options.ifname, options.pin_dir);
  if (now.ok()) r.state = *now;
  return r;
}

// One attach attempt through libxdp in one mode: libxdp loads the object (reusing pinned
// maps) and either adds it to its multiprog dispatcher or, where the kernel refuses that,
// attaches it alone. A load failure returns before the interface is touched.
absl::Status AttachWithLibxdp(const AttachOptions& options, int ifindex, bool frags,
                              enum xdp_attach_mode mode) {
  absl::StatusOr<std::unique_ptr<DatapathObject>> obj =
      DatapathObject::Open({options.pin_dir, options.sizes, frags});
  if (!obj.ok()) return obj.status();
  DECLARE_LIBXDP_OPTS(xdp_program_opts, xopts, .obj = (*obj)->obj(),
                      .prog_name = (*obj)->program_name());
  xdp_program* prog = xdp_program__create(&xopts);
  if (long err = libxdp_get_error(prog); err || !prog)
    return ErrnoToStatus(err ? static_cast<int>(err) : EINVAL, "prepare XDP program");
  absl::Cleanup close_prog = [prog] { xdp_program__close(prog); };
  // With libbpf 1.1 the frags flag only reaches the program at load time, so libxdp 1.3
  // would see a program without frags support and build its dispatcher without it: the
  // kernel then refuses native mode on a jumbo MTU ("Peer MTU is too large", ERANGE) and
  // attach falls back to generic. Say it before libxdp looks.
  if (frags) {
    if (int err = xdp_program__set_xdp_frags_support(prog, true); err)
      return ErrnoToStatus(err, "mark the XDP program as frags-capable");
  }
  if (int err = xdp_program__attach(prog, ifindex, mode, 0); err) {
    char buf[256];
    libxdp_strerror(err, buf, sizeof(buf));
    return absl::Status(ErrnoToStatus(err, "").code(),
                        absl::StrCat("attach to ", options.ifname, ": ", buf));
  }
  if (absl::Status s = (*obj)->FinishPinning(); !s.ok()) return s;
  return PinProgram(xdp_program__fd(prog), options.pin_dir);
}

// One attach attempt without libxdp (the process lacks CAP_SYS_ADMIN, which libxdp needs
// to open programs by id): this build's program alone on the hook, by netlink, only if the
// hook is empty (XDP_FLAGS_UPDATE_IF_NOEXIST: a program attached meanwhile is never
// replaced). A load failure returns before the interface is touched.
absl::Status AttachAlone(const AttachOptions& options, int ifindex, bool frags, AttachMode mode) {
  absl::StatusOr<std::unique_ptr<DatapathObject>> obj =
      DatapathObject::Open({options.pin_dir, options.sizes, frags});
  if (!obj.ok()) return obj.status();
  if (absl::Status s = (*obj)->Load(); !s.ok()) return s;
  const int fd = bpf_program__fd((*obj)->program());
  uint32_t flags = XDP_FLAGS_UPDATE_IF_NOEXIST;
  if (mode == AttachMode::kNative) flags |= XDP_FLAGS_DRV_MODE;
  if (mode == AttachMode::kGeneric) flags |= XDP_FLAGS_SKB_MODE;
  if (int err = bpf_xdp_attach(ifindex, fd, flags, nullptr); err)
    return ErrnoToStatus(err, absl::StrCat("attach to ", options.ifname));
  if (absl::Status s = (*obj)->FinishPinning(); !s.ok()) return s;
  return PinProgram(fd, options.pin_dir);
}

// Unpins programs of ours that no interface runs any more. Best effort: a failure here
// leaves a pin (and its program) behind, never a filter missing.
void PruneStalePrograms(const std::string& pin_dir) {
  absl::StatusOr<std::vector<InterfaceXdpState>> users = FindOurInterfaces(pin_dir);
  if (!users.ok()) return;
  std::set<uint32_t> attached;
  for (const InterfaceXdpState& st : *users)
    if (const XdpProgramInfo* p = st.Ours()) attached.insert(p->id);
  (void)PruneProgramPins(pin_dir, attached);
}

// Writes the interface's settings into the pinned xg_ifconfig (its stats slot, plus the
// requested options), creating the pinned maps first if this is the first attach (a plain
// load pins them; libxdp's load then reuses them). Done before the program runs on the
// interface, so its first packets are already counted as its own.
absl::Status ApplySettingsBeforeAttach(const AttachOptions& options, int ifindex, bool frags,
                                       std::string* note) {
  if (PinnedStatsMapId(options.pin_dir) == 0) {
    absl::StatusOr<std::unique_ptr<DatapathObject>> obj =
        DatapathObject::Open({options.pin_dir, options.sizes, frags});
    if (!obj.ok()) return obj.status();
    if (absl::Status s = (*obj)->Load(); !s.ok()) return s;
    if (absl::Status s = (*obj)->FinishPinning(); !s.ok()) return s;
  }
  absl::StatusOr<std::unique_ptr<PinnedMaps>> maps = PinnedMaps::Open(options.pin_dir);
  if (!maps.ok()) return maps.status();
  const int fd = (*maps)->ifconfig_fd();
  absl::StatusOr<InterfaceSettings> cur = GetInterfaceSettings(fd, static_cast<uint32_t>(ifindex));
  if (!cur.ok()) return cur.status();
  if (options.monitor) cur->monitor = true;
  if (options.flow_mode) cur->flow_mode = *options.flow_mode;
  if (options.drop_sample_shift) cur->drop_sample_shift = *options.drop_sample_shift;
  if (options.pass_sample_shift) cur->pass_sample_shift = *options.pass_sample_shift;
  absl::StatusOr<SlotAssignment> slot =
      AssignStatsSlot((*maps)->if_slots_fd(), (*maps)->map(XG_MAP_STATS)->fd(),
                      static_cast<uint32_t>(ifindex));
  if (!slot.ok()) return slot.status();
  cur->stats_slot = slot->slot;
  if (!slot->note.empty()) *note = slot->note;
  return PutInterfaceSettings(fd, static_cast<uint32_t>(ifindex), *cur);
}

}  // namespace

absl::StatusOr<AttachMode> ParseAttachMode(absl::string_view text) {
  if (text == "native") return AttachMode::kNative;
  if (text == "generic" || text == "skb") return AttachMode::kGeneric;
  if (text == "hw") return AttachMode::kHw;
  if (text == "auto") return AttachMode::kAuto;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown mode '", text, "' (expected native, generic, hw or auto)"));
}

absl::StatusOr<AttachResult> Attach(const AttachOptions& options) {
  if (options.mode == AttachMode::kHw)
    return absl::UnimplementedError(
        "hardware offload (--mode hw) is not supported: xdpguard's mmapable arrays, global "
        "functions and per-CPU maps cannot be offloaded to a NIC; use native or generic");
  absl::StatusOr<InterfaceXdpState> state = QueryInterface(options.ifname, options.pin_dir);
  if (!state.ok()) return state.status();
  absl::StatusOr<int> mtu = InterfaceMtu(options.ifname);
  if (!mtu.ok()) return mtu.status();
  const bool frags = *mtu > kMaxNonFragsMtu;
  std::string note =
      frags ? absl::StrCat("MTU ", *mtu, " > ", kMaxNonFragsMtu,
                           ": using the multi-buffer (frags) program")
            : "";

  // libxdp opens programs by id (BPF_PROG_GET_FD_BY_ID), which needs CAP_SYS_ADMIN;
  // without it xdpguard attaches alone, through netlink, and recognises itself by its pins.
  // Root attaching for a service that runs as its own user (the pin directory is that
  // user's) attaches alone too: that service could not see into libxdp's dispatcher.
  struct stat pin_dir_st {};
  const bool own_pin_dir =
      stat(options.pin_dir.c_str(), &pin_dir_st) != 0 || pin_dir_st.st_uid == geteuid();
  const bool use_libxdp = HasEffectiveCapability(CAP_SYS_ADMIN) && own_pin_dir;
  if (state->attached && state->multiprog && !state->Ours() && !use_libxdp)
    return absl::PermissionDeniedError(absl::StrCat(
        options.ifname, " runs libxdp's dispatcher (program id ", state->dispatcher_id,
        "); joining it needs CAP_SYS_ADMIN (libxdp opens the dispatcher by id). Nothing was "
        "changed"));
  const bool pins_existed = PinnedStatsMapId(options.pin_dir) != 0;
  if (!state->attached || state->Ours() || state->multiprog) {
    std::string slot_note;
    absl::Status s = ApplySettingsBeforeAttach(options, state->ifindex, frags, &slot_note);
    if (!slot_note.empty()) note = absl::StrCat(note, note.empty() ? "" : "; ", slot_note);
    if (!s.ok()) {
      if (!pins_existed) (void)RemovePinnedState(options.pin_dir);
      return s;
    }
  }

  if (state->attached) {
    if (state->Ours()) {
      absl::StatusOr<AttachResult> r = ReplaceOurs(options, *state, frags);
      if (r.ok() && r->note.empty()) r->note = note;
      if (r.ok()) PruneStalePrograms(options.pin_dir);
      return r;
    }
    if (!state->multiprog) {
      const XdpProgramInfo& p = state->programs.front();
      return absl::FailedPreconditionError(absl::StrCat(
          options.ifname, " already runs a foreign XDP program ", ProgramLabel(p), " (id ", p.id,
          ", ", state->mode, " mode) without the libxdp dispatcher; xdpguard never replaces "
          "another program. Remove it first (xdp-loader unload / ip link set dev ",
          options.ifname, " xdp off) or load both through libxdp"));
    }
  }

  // Check the object and any pinned maps once, before any attempt: only a refusal by the
  // kernel to attach in native mode may lead to the generic fallback, never bad state.
  if (absl::StatusOr<std::unique_ptr<DatapathObject>> probe =
          DatapathObject::Open({options.pin_dir, options.sizes, frags});
      !probe.ok())
    return probe.status();
  std::vector<AttachMode> attempts = {options.mode};
  if (options.mode == AttachMode::kAuto) attempts = {AttachMode::kNative, AttachMode::kGeneric};
  absl::Status last;
  if (!use_libxdp)
    note = absl::StrCat(note, note.empty() ? "" : "; ",
                        own_pin_dir
                            ? "attached alone, without libxdp's dispatcher (no CAP_SYS_ADMIN): "
                              "other XDP programs cannot share this interface"
                            : "attached alone, without libxdp's dispatcher (the pin directory "
                              "belongs to the service user, which cannot see into it): other "
                              "XDP programs cannot share this interface");
  for (AttachMode m : attempts) {
    last = use_libxdp ? AttachWithLibxdp(options, state->ifindex, frags, LibxdpMode(m))
                      : AttachAlone(options, state->ifindex, frags, m);
    if (last.ok()) break;
    if (options.mode == AttachMode::kAuto && m == AttachMode::kNative) {
      note = absl::StrCat(note, note.empty() ? "" : "; ", "native mode failed (",
                          last.message(), "), using generic");
    }
  }
  if (!last.ok()) {
    // Leave no empty state behind that looks like an attached filter.
    if (!pins_existed) (void)RemovePinnedState(options.pin_dir);
    return last;
  }
  absl::StatusOr<InterfaceXdpState> now = QueryInterface(options.ifname, options.pin_dir);
  if (!now.ok()) return now.status();
  if (!now->Ours())
    return absl::InternalError(absl::StrCat("attach to ", options.ifname,
                                            " reported success but our program is not there"));
  PruneStalePrograms(options.pin_dir);
  return AttachResult{"attached", note, *now};
}

absl::Status Detach(const std::string& ifname, const std::string& pin_dir) {
  absl::StatusOr<InterfaceXdpState> state = QueryInterface(ifname, pin_dir);
  if (!state.ok()) return state.status();
  const XdpProgramInfo* ours = state->Ours();
  if (!ours) {
    if (!state->attached)
      return absl::NotFoundError(absl::StrCat("no XDP program is attached to ", ifname));
    return absl::FailedPreconditionError(
        absl::StrCat("the XDP program on ", ifname, " (", ProgramLabel(state->programs.front()),
                     ", id ", state->programs.front().id,
                     ") is not xdpguard's; refusing to detach it"));
  }
  if (state->multiprog) {
    if (!HasEffectiveCapability(CAP_SYS_ADMIN))
      return absl::PermissionDeniedError(absl::StrCat(
          "xdpguard runs inside libxdp's dispatcher on ", ifname,
          "; leaving it needs CAP_SYS_ADMIN (libxdp opens programs by id). Nothing was changed"));
    xdp_program* prog = xdp_program__from_id(ours->id);
    if (long err = libxdp_get_error(prog); err || !prog)
      return ErrnoToStatus(err ? static_cast<int>(err) : ENOENT, "open our program");
    absl::Cleanup close_prog = [prog] { xdp_program__close(prog); };
    enum xdp_attach_mode mode = state->mode == "generic" ? XDP_MODE_SKB : XDP_MODE_NATIVE;
    if (int err = xdp_program__detach(prog, state->ifindex, mode, 0); err)
      return ErrnoToStatus(err, absl::StrCat("detach from ", ifname));
    (void)UnpinProgram(pin_dir, ours->id);
    PruneStalePrograms(pin_dir);
    return absl::OkStatus();
  }
  // REPLACE with the expected old program: the kernel detaches only if ours is still
  // the attached program, so a program attached meanwhile by someone else is never hit.
  absl::StatusOr<UniqueFd> fd = OpenProgram(pin_dir, ours->id);
  if (!fd.ok()) return fd.status();
  LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = fd->get());
  if (int err = bpf_xdp_detach(state->ifindex, XDP_FLAGS_REPLACE | NetlinkModeFlag(state->mode),
                               &opts);
      err)
    return ErrnoToStatus(err, absl::StrCat("detach from ", ifname));
  (void)UnpinProgram(pin_dir, ours->id);
  PruneStalePrograms(pin_dir);
  return absl::OkStatus();
}

absl::Status RemovePinnedState(const std::string& pin_dir) {
  absl::StatusOr<std::vector<InterfaceXdpState>> users = FindOurInterfaces(pin_dir);
  if (!users.ok()) return users.status();
  if (!users->empty())
    return absl::FailedPreconditionError(absl::StrCat(
        "maps in ", pin_dir, " are still used by ", users->front().ifname,
        (users->size() > 1 ? " and others" : ""), "; kept"));
  DIR* dir = opendir(pin_dir.c_str());
  if (!dir) {
    if (errno == ENOENT) return absl::OkStatus();
    return ErrnoToStatus(errno, absl::StrCat("open ", pin_dir));
  }
  std::vector<std::string> names;
  while (struct dirent* ent = readdir(dir)) {
    std::string name = ent->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(dir);
  for (const std::string& name : names) {
    std::string path = absl::StrCat(pin_dir, "/", name);
    if (unlink(path.c_str()) != 0) return ErrnoToStatus(errno, absl::StrCat("unpin ", path));
  }
  if (rmdir(pin_dir.c_str()) != 0) return ErrnoToStatus(errno, absl::StrCat("remove ", pin_dir));
  return absl::OkStatus();
}

}  // namespace xdpguard::datapath
