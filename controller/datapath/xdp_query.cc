// SPDX-License-Identifier: GPL-2.0
#include "datapath/xdp_query.h"

#include <bpf/bpf.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <xdp/libxdp.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/unique_fd.h"
#include "datapath/datapath_object.h"
#include "xdpguard_maps.h"

namespace xdpguard::datapath {
namespace {

std::string ModeName(enum xdp_attach_mode mode) {
  switch (mode) {
    case XDP_MODE_NATIVE:
      return "native";
    case XDP_MODE_SKB:
      return "generic";
    case XDP_MODE_HW:
      return "hw";
    default:
      return "unknown";
  }
}

// Fills name/tag/ours from the kernel's info about a program id.
XdpProgramInfo Describe(uint32_t id, uint32_t our_map_id) {
  XdpProgramInfo p;
  p.id = id;
  int fd = bpf_prog_get_fd_by_id(id);
  if (fd < 0) return p;
  UniqueFd owned(fd);
  uint32_t map_ids[64] = {};
  bpf_prog_info info{};
  info.nr_map_ids = 64;
  info.map_ids = reinterpret_cast<uint64_t>(map_ids);
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) return p;
  p.name = info.name;
  for (unsigned char b : info.tag) p.tag += absl::StrCat(absl::Hex(b, absl::kZeroPad2));
  bool named_ours = p.name == kProgMain || p.name == kProgFrags;
  uint32_t n = std::min<uint32_t>(info.nr_map_ids, 64);
  p.ours = named_ours && our_map_id != 0 &&
           std::find(map_ids, map_ids + n, our_map_id) != map_ids + n;
  return p;
}

}  // namespace

const XdpProgramInfo* InterfaceXdpState::Ours() const {
  for (const auto& p : programs)
    if (p.ours) return &p;
  return nullptr;
}

uint32_t PinnedStatsMapId(const std::string& pin_dir) {
  int fd = bpf_obj_get(absl::StrCat(pin_dir, "/", XG_MAP_STATS).c_str());
  if (fd < 0) return 0;
  UniqueFd owned(fd);
  bpf_map_info info{};
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) return 0;
  return info.id;
}

absl::StatusOr<int> InterfaceIndex(const std::string& ifname) {
  unsigned idx = if_nametoindex(ifname.c_str());
  if (idx == 0)
    return absl::NotFoundError(absl::StrCat("no network interface named '", ifname, "'"));
  return static_cast<int>(idx);
}

std::string InterfaceName(uint32_t ifindex) {
  char buf[IF_NAMESIZE] = {};
  return if_indextoname(ifindex, buf) ? buf : absl::StrCat("if", ifindex);
}

absl::StatusOr<int> InterfaceMtu(const std::string& ifname) {
  // ioctl on a socket of this network namespace: /sys/class/net shows the namespace
  // sysfs was mounted in, which differs after nsenter --net.
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoToStatus(errno, "socket for SIOCGIFMTU");
  UniqueFd owned(fd);
  struct ifreq ifr {};
  if (ifname.size() >= sizeof(ifr.ifr_name))
    return absl::InvalidArgumentError(absl::StrCat("interface name too long: ", ifname));
  std::memcpy(ifr.ifr_name, ifname.c_str(), ifname.size());
  if (ioctl(fd, SIOCGIFMTU, &ifr) != 0)
    return ErrnoToStatus(errno, absl::StrCat("read MTU of ", ifname));
  return ifr.ifr_mtu;
}

absl::StatusOr<InterfaceXdpState> QueryInterface(const std::string& ifname,
                                                 const std::string& pin_dir) {
  InterfaceXdpState st;
  st.ifname = ifname;
  absl::StatusOr<int> idx = InterfaceIndex(ifname);
  if (!idx.ok()) return idx.status();
  st.ifindex = *idx;
  uint32_t our_map_id = PinnedStatsMapId(pin_dir);

  xdp_multiprog* mp = xdp_multiprog__get_from_ifindex(st.ifindex);
  long err = libxdp_get_error(mp);
  if (err == -ENOENT || (!err && !mp)) return st;  // nothing attached
  if (err) return ErrnoToStatus(static_cast<int>(err), absl::StrCat("query XDP on ", ifname));
  st.attached = true;
  st.multiprog = !xdp_multiprog__is_legacy(mp);
  st.mode = ModeName(xdp_multiprog__attach_mode(mp));
  st.frags = xdp_multiprog__xdp_frags_support(mp);
  if (st.multiprog) {
    st.dispatcher_id = xdp_program__id(xdp_multiprog__main_prog(mp));
    for (xdp_program* p = xdp_multiprog__next_prog(nullptr, mp); p;
         p = xdp_multiprog__next_prog(p, mp))
      st.programs.push_back(Describe(xdp_program__id(p), our_map_id));
  } else if (xdp_program* main = xdp_multiprog__main_prog(mp)) {
    st.programs.push_back(Describe(xdp_program__id(main), our_map_id));
  }
  if (xdp_program* hw = xdp_multiprog__hw_prog(mp)) {
    st.programs.push_back(Describe(xdp_program__id(hw), our_map_id));
    if (st.programs.size() == 1) st.mode = "hw";
  }
  xdp_multiprog__close(mp);
  // libxdp reports frags support for dispatchers only; for a single program, the name
  // tells which of our two variants runs.
  if (const XdpProgramInfo* ours = st.Ours(); ours && ours->name == kProgFrags) st.frags = true;
  return st;
}

absl::StatusOr<std::vector<InterfaceXdpState>> FindOurInterfaces(const std::string& pin_dir) {
  std::vector<InterfaceXdpState> out;
  if (PinnedStatsMapId(pin_dir) == 0) return out;
  struct if_nameindex* list = if_nameindex();
  if (!list) return ErrnoToStatus(errno, "list interfaces");
  for (struct if_nameindex* i = list; i->if_index != 0; i++) {
    absl::StatusOr<InterfaceXdpState> st = QueryInterface(i->if_name, pin_dir);
    if (st.ok() && st->Ours()) out.push_back(*st);
  }
  if_freenameindex(list);
  return out;
}

}  // namespace xdpguard::datapath
