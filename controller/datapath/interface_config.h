// SPDX-License-Identifier: GPL-2.0
// Per-interface settings (xg_ifconfig, an array indexed by ifindex): monitor mode, flow
// tracking mode and the sampling of dropped packets in the flow table. An all-zero entry
// means the defaults; this file is the only place that encodes or decodes entries.
#ifndef XDPGUARD_DATAPATH_INTERFACE_CONFIG_H_
#define XDPGUARD_DATAPATH_INTERFACE_CONFIG_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "xdpguard_maps.h"

namespace xdpguard::datapath {

struct InterfaceSettings {
  bool monitor = false;
  uint8_t flow_mode = XG_FLOWS_MATCHED;
  uint8_t drop_sample_shift = XG_DEFAULT_DROP_SAMPLE_SHIFT;  // record 1 in 2^shift drops
  uint8_t pass_sample_shift = XG_DEFAULT_PASS_SAMPLE_SHIFT;  // "all" mode, unmatched packets
  uint8_t stats_slot = 0;  // block of verdict counters (stats_slots.h); not a user setting

  uint32_t drop_sample() const { return 1u << drop_sample_shift; }
  uint32_t pass_sample() const { return 1u << pass_sample_shift; }
};

xg_if_config EncodeSettings(const InterfaceSettings& s);
InterfaceSettings DecodeSettings(const xg_if_config& c);

// fd of xg_ifconfig.
absl::StatusOr<InterfaceSettings> GetInterfaceSettings(int ifconfig_fd, uint32_t ifindex);
// FailedPrecondition for non-default settings on an ifindex beyond the array.
absl::Status PutInterfaceSettings(int ifconfig_fd, uint32_t ifindex, const InterfaceSettings& s);
// Back to the defaults (on detach), keeping the stats slot: the interface's counts stay
// attributed to it as long as the pinned maps live.
absl::Status ResetInterfaceSettings(int ifconfig_fd, uint32_t ifindex);
// Stamps this build's ABI version into xg_info.
absl::Status StampAbiVersion(int info_fd);

// "off" / "matched" / "all" <-> XG_FLOWS_*.
absl::StatusOr<uint8_t> ParseFlowMode(absl::string_view text);
std::string FlowModeName(uint8_t mode);
// A sampling rate "1 in N" (N a power of two, 1..1024) -> shift; flag names the option.
absl::StatusOr<uint8_t> SampleRateToShift(uint32_t one_in, absl::string_view flag = "drop-sample");

}  // namespace xdpguard::datapath

#endif  // XDPGUARD_DATAPATH_INTERFACE_CONFIG_H_
