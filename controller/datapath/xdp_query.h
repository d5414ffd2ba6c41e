// SPDX-License-Identifier: GPL-2.0
// What is attached to an interface's XDP hook, and whether it is ours: a program named
// like ours that uses the maps pinned in our pin directory. Anything else is foreign and
// never replaced or detached by xdpguard.
#ifndef XDPGUARD_DATAPATH_XDP_QUERY_H_
#define XDPGUARD_DATAPATH_XDP_QUERY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace xdpguard::datapath {

struct XdpProgramInfo {
  uint32_t id = 0;
  std::string name;
  std::string tag;  // hex
  bool ours = false;
};

struct InterfaceXdpState {
  std::string ifname;
  int ifindex = 0;
  bool attached = false;        // any XDP program on the hook
  bool multiprog = false;       // libxdp dispatcher (false: a single "legacy" program)
  std::string mode;             // "native", "generic", "hw"
  uint32_t dispatcher_id = 0;   // when multiprog
  std::vector<XdpProgramInfo> programs;  // in run order
  bool frags = false;           // the attached program handles multi-buffer frames

  const XdpProgramInfo* Ours() const;
};

// Id of our pinned statistics map, used to recognise our programs; 0 if nothing pinned.
uint32_t PinnedStatsMapId(const std::string& pin_dir);

absl::StatusOr<InterfaceXdpState> QueryInterface(const std::string& ifname,
                                                 const std::string& pin_dir);

// Interfaces (in this network namespace) where our program is attached.
absl::StatusOr<std::vector<InterfaceXdpState>> FindOurInterfaces(const std::string& pin_dir);

// ifindex for a name; NotFound naming the interface.
absl::StatusOr<int> InterfaceIndex(const std::string& ifname);
// The name of an ifindex, or "ifN" when it is gone (events outlive interfaces).
std::string InterfaceName(uint32_t ifindex);
// MTU of an interface, from sysfs.
absl::StatusOr<int> InterfaceMtu(const std::string& ifname);

}  // namespace xdpguard::datapath

#endif  // XDPGUARD_DATAPATH_XDP_QUERY_H_
