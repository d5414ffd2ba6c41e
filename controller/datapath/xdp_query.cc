// SPDX-License-Identifier: GPL-2.0
#include "datapath/xdp_query.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/unique_fd.h"
#include "datapath/datapath_object.h"
#include "datapath/program_pins.h"
#include "xdpguard_maps.h"

namespace xdpguard::datapath {
namespace {

// The name libxdp gives its dispatcher program.
constexpr char kLibxdpDispatcher[] = "xdp_dispatcher";

// Fills name/tag/ours from the kernel's info about a program (fd stays the caller's).
XdpProgramInfo DescribeFd(int fd, uint32_t our_map_id) {
  XdpProgramInfo p;
  uint32_t map_ids[64] = {};
  bpf_prog_info info{};
  info.nr_map_ids = 64;
  info.map_ids = reinterpret_cast<uint64_t>(map_ids);
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) return p;
  p.id = info.id;
  p.name = info.name;
  for (unsigned char b : info.tag) p.tag += absl::StrCat(absl::Hex(b, absl::kZeroPad2));
  bool named_ours = p.name == kProgMain || p.name == kProgFrags;
  uint32_t n = std::min<uint32_t>(info.nr_map_ids, 64);
  p.ours = named_ours && our_map_id != 0 &&
           std::find(map_ids, map_ids + n, our_map_id) != map_ids + n;
  return p;
}

// libxdp's state directory: $LIBXDP_BPFFS (default /sys/fs/bpf) + "/xdp".
std::string LibxdpStateDir() {
  const char* env = std::getenv("LIBXDP_BPFFS");
  return absl::StrCat(env && *env ? env : "/sys/fs/bpf", "/xdp");
}

// Where libxdp keeps the pins of the dispatcher `id` on ifindex.
std::string DispatcherDir(int ifindex, uint32_t id) {
  return absl::StrCat(LibxdpStateDir(), "/dispatch-", ifindex, "-", id);
}

// A program attached to ifindex: through our pin of its id (no privilege needed), else by
// id (CAP_SYS_ADMIN). Without either it is described by id only, never ours; a libxdp
// dispatcher is still recognised by the state directory libxdp keeps for it.
XdpProgramInfo Describe(uint32_t id, int ifindex, const std::string& pin_dir, uint32_t our_map_id) {
  UniqueFd fd = OpenPinnedProgram(pin_dir, id);
  if (!fd.valid()) fd = UniqueFd(bpf_prog_get_fd_by_id(id));
  if (!fd.valid()) {
    XdpProgramInfo p{id, "", "", false};
    struct stat st {};
    if (stat(DispatcherDir(ifindex, id).c_str(), &st) == 0) p.name = kLibxdpDispatcher;
    return p;
  }
  XdpProgramInfo p = DescribeFd(fd.get(), our_map_id);
  p.id = id;
  return p;
}

// The component programs of a libxdp dispatcher, in run order, from the pins libxdp keeps
// for it (dispatch-IFINDEX-ID/prog0-prog, prog1-prog, ...). Empty when there are none
// (then libxdp, too, treats the dispatcher as a plain program).
std::vector<XdpProgramInfo> DispatcherComponents(int ifindex, uint32_t dispatcher_id,
                                                 uint32_t our_map_id) {
  std::vector<XdpProgramInfo> out;
  std::string dir = DispatcherDir(ifindex, dispatcher_id);
  for (int i = 0; i < 32; i++) {  // libxdp's dispatcher holds at most 10
    int fd = bpf_obj_get(absl::StrCat(dir, "/prog", i, "-prog").c_str());
    if (fd < 0) break;
    UniqueFd owned(fd);
    out.push_back(DescribeFd(fd, our_map_id));
  }
  return out;
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

  // Netlink and our own info reads, not libxdp's xdp_multiprog__get_from_ifindex: in
  // libxdp 1.3 (Debian 12) that leaks a program fd per call (xdp-tools #343), and the
  // service asks every second.
  LIBBPF_OPTS(bpf_xdp_query_opts, q);
  if (int err = bpf_xdp_query(st.ifindex, 0, &q); err)
    return ErrnoToStatus(err, absl::StrCat("query XDP on ", ifname));
  uint32_t main_id = q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id;
  if (!main_id && !q.hw_prog_id) return st;  // nothing attached
  st.attached = true;
  st.mode = q.drv_prog_id ? "native" : q.skb_prog_id ? "generic" : "hw";
  if (main_id) {
    XdpProgramInfo main = Describe(main_id, st.ifindex, pin_dir, our_map_id);
    std::vector<XdpProgramInfo> parts;
    if (main.name == kLibxdpDispatcher)
      parts = DispatcherComponents(st.ifindex, main_id, our_map_id);
    if (!parts.empty()) {
      st.multiprog = true;
      st.dispatcher_id = main_id;
      st.programs = std::move(parts);
    } else {
      st.programs.push_back(std::move(main));
    }
  }
  if (q.hw_prog_id) st.programs.push_back(Describe(q.hw_prog_id, st.ifindex, pin_dir, our_map_id));
  // Which of our two variants runs is in its name (for a dispatcher, what it reports
  // follows the component that matters here: ours).
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
