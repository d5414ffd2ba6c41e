// SPDX-License-Identifier: GPL-2.0
#include "daemon/interface_watch.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "datapath/attach.h"
#include "datapath/pin_dir.h"
#include "datapath/resize.h"
#include "datapath/xdp_query.h"
#include "spdlog/spdlog.h"

namespace xdpguard::daemon {

using State = InterfaceHealth::State;

std::string AttachSummary(const datapath::AttachResult& r) {
  return absl::StrCat(r.action, r.note.empty() ? "" : "; ", r.note);
}

namespace {

// The config's list sizes for the attach. Pinned tables of another size are resized to
// them first, online (no gap). Where that is refused (a size below what a table holds,
// libxdp's dispatcher) the error is logged and the pinned sizes are adopted: the interface
// must be protected all the same. The other maps' sizes apply only to new maps.
datapath::MapSizes ResizeToConfig(const std::string& pin_dir, const datapath::MapSizes& wanted) {
  datapath::MapSizes lists;
  lists.block_v4 = wanted.block_v4;
  lists.block_v6 = wanted.block_v6;
  lists.allow_v4 = wanted.allow_v4;
  lists.allow_v6 = wanted.allow_v6;
  if (!(lists.block_v4 || lists.block_v6 || lists.allow_v4 || lists.allow_v6)) return wanted;
  absl::StatusOr<datapath::ResizeOutcome> r = datapath::ResizeLists(pin_dir, lists);
  if (r.ok()) {
    for (const datapath::ResizedTable& t : r->tables)
      spdlog::info("maps: {} resized from {} to {} entries ({} copied), without a gap", t.name,
                   t.old_capacity, t.new_capacity, t.entries);
    return wanted;
  }
  if (absl::IsNotFound(r.status())) return wanted;  // nothing pinned: the attach creates them so
  spdlog::error("maps: the config's list sizes were not applied, the pinned sizes stay: {}",
                std::string(r.status().message()));
  datapath::MapSizes adopt = wanted;
  adopt.block_v4 = adopt.block_v6 = adopt.allow_v4 = adopt.allow_v6 = 0;
  return adopt;
}

}  // namespace

absl::StatusOr<datapath::AttachResult> AttachConfigured(const std::string& pin_dir,
                                                        const config::Config& cfg,
                                                        const config::InterfaceConfig& ic) {
  // The pin directory may be gone: a detach of the last interface removes it.
  if (absl::Status s = datapath::CreatePinDir(pin_dir); !s.ok()) return s;
  absl::StatusOr<datapath::PinDirLock> lock = datapath::PinDirLock::Acquire(pin_dir);
  if (!lock.ok()) return lock.status();
  datapath::AttachOptions o;
  o.ifname = ic.name;
  o.mode = ic.mode;
  o.sizes = ResizeToConfig(pin_dir, cfg.map_sizes);
  o.pin_dir = pin_dir;
  o.monitor = ic.monitor;
  o.flow_mode = ic.flow_mode;
  o.drop_sample_shift = ic.drop_sample_shift;
  o.pass_sample_shift = ic.pass_sample_shift;
  return datapath::Attach(o);
}

absl::StatusOr<std::shared_ptr<InterfaceWatch>> InterfaceWatch::Open() {
  UniqueFd sock(socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!sock.valid()) return ErrnoToStatus(errno, "open an rtnetlink socket");
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = RTMGRP_LINK;
  if (bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
    return ErrnoToStatus(errno, "subscribe to rtnetlink link events");
  return std::shared_ptr<InterfaceWatch>(new InterfaceWatch(std::move(sock)));
}

void InterfaceWatch::Drain() {
  char buf[8192];
  // The content does not matter: any link event means "look again" (Check is cheap).
  while (recv(sock_.get(), buf, sizeof(buf), 0) > 0) {
  }
}

bool InterfaceWatch::Check(const std::string& pin_dir, const config::Config& cfg) {
  std::map<std::string, InterfaceHealth> next;
  bool attached_any = false;
  for (const config::InterfaceConfig& ic : cfg.interfaces) {
    InterfaceHealth h;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = health_.find(ic.name);
      if (it != health_.end()) h = it->second;
    }
    const State before = h.state;
    absl::StatusOr<datapath::InterfaceXdpState> st = datapath::QueryInterface(ic.name, pin_dir);
    if (!st.ok()) {
      if (absl::IsNotFound(st.status())) {
        h.state = State::kMissing;
        if (before != State::kMissing)
          spdlog::warn("interface {} does not exist: waiting for it; it is not protected until it appears",
                       ic.name);
      } else {
        h.state = State::kFailed;
        if (before != State::kFailed) spdlog::error("interface {}: {}", ic.name, std::string(st.status().message()));
      }
    } else if (st->Ours()) {
      h.state = State::kProtected;
      h.mode = st->mode;
    } else if (st->attached) {
      h.state = State::kForeign;
      // Never replaced: that program is someone's decision. But the operator must know.
      if (before != State::kForeign)
        spdlog::error("ALERT interface {}: a foreign XDP program is attached; xdpguard does not replace "
                      "it, so this interface is NOT protected (detach it to let xdpguard back)",
                      ic.name);
    } else {
      absl::StatusOr<datapath::AttachResult> done = AttachConfigured(pin_dir, cfg, ic);
      if (done.ok()) {
        attached_any = true;
        h.mode = done->state.mode;  // as queried right after the attach
        if (before != State::kUnknown) {
          h.reattaches++;
          spdlog::warn("interface {}: xdpguard's program was gone ({}): re-attached ({})", ic.name,
                       before == State::kProtected ? "detached, or the interface was re-created"
                                                   : "the interface appeared",
                       AttachSummary(*done));
        } else {
          spdlog::info("interface {}: {}", ic.name, AttachSummary(*done));
        }
        h.state = State::kProtected;
      } else {
        h.state = State::kFailed;
        if (before != State::kFailed)
          spdlog::error("interface {}: not protected: {}", ic.name, std::string(done.status().message()));
      }
    }
    next[ic.name] = h;
  }
  std::lock_guard<std::mutex> lock(mu_);
  health_ = std::move(next);
  return attached_any;
}

std::map<std::string, InterfaceHealth> InterfaceWatch::Health() const {
  std::lock_guard<std::mutex> lock(mu_);
  return health_;
}

}  // namespace xdpguard::daemon
