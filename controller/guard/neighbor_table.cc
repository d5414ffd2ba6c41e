// SPDX-License-Identifier: GPL-2.0
#include "guard/neighbor_table.h"

#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/unique_fd.h"

namespace xdpguard::guard {

std::string Neighbor::StateName() const {
  struct {
    uint16_t bit;
    const char* name;
  } names[] = {{NUD_INCOMPLETE, "INCOMPLETE"}, {NUD_REACHABLE, "REACHABLE"},
               {NUD_STALE, "STALE"},           {NUD_DELAY, "DELAY"},
               {NUD_PROBE, "PROBE"},           {NUD_FAILED, "FAILED"},
               {NUD_NOARP, "NOARP"},           {NUD_PERMANENT, "PERMANENT"}};
  for (const auto& n : names)
    if (state & n.bit) return n.name;
  return "NONE";
}

absl::StatusOr<Neighbor> LookupNeighbor(int ifindex, const net::Cidr& address) {
  const int family = address.family == net::Family::kIPv4 ? AF_INET : AF_INET6;
  const size_t alen = family == AF_INET ? 4 : 16;
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return ErrnoToStatus(errno, "open rtnetlink socket");
  UniqueFd owned(fd);

  struct {
    nlmsghdr nh;
    ndmsg nd;
  } req{};
  req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(ndmsg));
  req.nh.nlmsg_type = RTM_GETNEIGH;
  req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.nh.nlmsg_seq = 1;
  req.nd.ndm_family = static_cast<uint8_t>(family);
  if (send(fd, &req, req.nh.nlmsg_len, 0) < 0) return ErrnoToStatus(errno, "RTM_GETNEIGH");

  std::vector<char> buf(1 << 16);
  for (;;) {
    ssize_t n = recv(fd, buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, "read neighbour table");
    }
    for (auto* nh = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(nh, n);
         nh = NLMSG_NEXT(nh, n)) {
      if (nh->nlmsg_type == NLMSG_DONE) {
        return absl::NotFoundError(absl::StrCat(
            "no neighbour entry for ", address.ToString(),
            " on this interface: ping the gateway first, or give its MAC with --mac"));
      }
      if (nh->nlmsg_type == NLMSG_ERROR) return absl::InternalError("neighbour dump failed");
      if (nh->nlmsg_type != RTM_NEWNEIGH) continue;
      auto* nd = static_cast<ndmsg*>(NLMSG_DATA(nh));
      if (nd->ndm_ifindex != ifindex) continue;
      const uint8_t* dst = nullptr;
      const uint8_t* lladdr = nullptr;
      int rlen = static_cast<int>(NLMSG_PAYLOAD(nh, sizeof(*nd)));
      for (auto* rta = reinterpret_cast<rtattr*>(reinterpret_cast<char*>(nd) + NLMSG_ALIGN(sizeof(*nd)));
           RTA_OK(rta, rlen); rta = RTA_NEXT(rta, rlen)) {
        if (rta->rta_type == NDA_DST && RTA_PAYLOAD(rta) == alen)
          dst = static_cast<const uint8_t*>(RTA_DATA(rta));
        if (rta->rta_type == NDA_LLADDR && RTA_PAYLOAD(rta) == 6)
          lladdr = static_cast<const uint8_t*>(RTA_DATA(rta));
      }
      if (!dst || std::memcmp(dst, address.addr.data(), alen) != 0) continue;
      Neighbor nb;
      nb.state = nd->ndm_state;
      if (!lladdr || (nd->ndm_state & (NUD_INCOMPLETE | NUD_FAILED)))
        return absl::FailedPreconditionError(absl::StrCat(
            "the neighbour entry for ", address.ToString(), " is ", nb.StateName(),
            " (no usable MAC): make sure the gateway answers, or give its MAC with --mac"));
      std::memcpy(nb.mac.data(), lladdr, 6);
      return nb;
    }
  }
}

}  // namespace xdpguard::guard
