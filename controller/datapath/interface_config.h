// SPDX-License-Identifier: GPL-2.0
// Per-interface switches (xg_ifconfig, keyed by ifindex) and the global summary bit in
// xg_info that lets the datapath skip the per-interface lookup when no interface is in
// monitor mode. Every change goes through here so the two never disagree.
#ifndef XDPGUARD_DATAPATH_INTERFACE_CONFIG_H_
#define XDPGUARD_DATAPATH_INTERFACE_CONFIG_H_

#include <cstdint>

#include "absl/status/statusor.h"

namespace xdpguard::datapath {

// Map fds: xg_ifconfig and xg_info.
struct InterfaceConfigMaps {
  int ifconfig_fd;
  int info_fd;
};

absl::Status SetInterfaceMonitor(const InterfaceConfigMaps& maps, uint32_t ifindex, bool on);
absl::StatusOr<bool> InterfaceMonitor(const InterfaceConfigMaps& maps, uint32_t ifindex);
// Forgets an interface (on detach); absent is fine.
absl::Status RemoveInterfaceConfig(const InterfaceConfigMaps& maps, uint32_t ifindex);
// Stamps this build's ABI version into xg_info, keeping its flags.
absl::Status StampAbiVersion(int info_fd);

}  // namespace xdpguard::datapath

#endif  // XDPGUARD_DATAPATH_INTERFACE_CONFIG_H_
