// SPDX-License-Identifier: GPL-2.0
// Per-interface settings (xg_ifconfig, keyed by ifindex): monitor mode, flow tracking mode
// and the sampling of dropped packets in the flow table. The global summary bits in
// xg_info let the datapath skip the per-interface hash lookup when every interface uses
// the defaults. Every change goes through here so the two never disagree.
#ifndef XDPGUARD_DATAPATH_INTERFACE_CONFIG_H_
#define XDPGUARD_DATAPATH_INTERFACE_CONFIG_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "xdpguard_maps.h"

namespace xdpguard::datapath {

// Map fds: xg_ifconfig and xg_info.
struct InterfaceConfigMaps {
  int ifconfig_fd;
  int info_fd;
};

// The configuration an interface without an entry gets (mirrors the datapath).
xg_if_config DefaultInterfaceConfig();

absl::StatusOr<xg_if_config> GetInterfaceConfig(const InterfaceConfigMaps& maps,
                                                uint32_t ifindex);
// Writes an interface's configuration (an entry equal to the defaults is removed) and
// refreshes the summary bits.
absl::Status PutInterfaceConfig(const InterfaceConfigMaps& maps, uint32_t ifindex,
                                const xg_if_config& cfg);
absl::Status SetInterfaceMonitor(const InterfaceConfigMaps& maps, uint32_t ifindex, bool on);
// Forgets an interface (on detach); absent is fine.
absl::Status RemoveInterfaceConfig(const InterfaceConfigMaps& maps, uint32_t ifindex);
// Stamps this build's ABI version into xg_info, keeping its flags.
absl::Status StampAbiVersion(int info_fd);

// "off" / "matched" / "all" <-> XG_FLOWS_*.
absl::StatusOr<uint8_t> ParseFlowMode(absl::string_view text);
std::string FlowModeName(uint8_t mode);
// A sampling rate "1 in N" (N a power of two, 1..1024) -> shift.
absl::StatusOr<uint8_t> SampleRateToShift(uint32_t one_in);

}  // namespace xdpguard::datapath

#endif  // XDPGUARD_DATAPATH_INTERFACE_CONFIG_H_
