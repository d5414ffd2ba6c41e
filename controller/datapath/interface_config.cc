// SPDX-License-Identifier: GPL-2.0
#include "datapath/interface_config.h"

#include <bpf/bpf.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"

namespace xdpguard::datapath {

xg_if_config EncodeSettings(const InterfaceSettings& s) {
  xg_if_config c{};
  c.flags = s.monitor ? XG_IF_MONITOR : 0;
  c.flow_mode = s.flow_mode;
  // 0 means "default", so a zeroed array slot is a fully default interface.
  c.drop_sample_code = s.drop_sample_shift == XG_DEFAULT_DROP_SAMPLE_SHIFT
                           ? 0
                           : static_cast<uint8_t>(s.drop_sample_shift + 1);
  c.pass_sample_code = s.pass_sample_shift == XG_DEFAULT_PASS_SAMPLE_SHIFT
                           ? 0
                           : static_cast<uint8_t>(s.pass_sample_shift + 1);
  c.stats_slot = s.stats_slot;
  return c;
}

InterfaceSettings DecodeSettings(const xg_if_config& c) {
  InterfaceSettings s;
  s.monitor = c.flags & XG_IF_MONITOR;
  s.flow_mode = c.flow_mode;
  if (c.drop_sample_code) s.drop_sample_shift = static_cast<uint8_t>(c.drop_sample_code - 1);
  if (c.pass_sample_code) s.pass_sample_shift = static_cast<uint8_t>(c.pass_sample_code - 1);
  s.stats_slot = c.stats_slot;
  return s;
}

absl::StatusOr<InterfaceSettings> GetInterfaceSettings(int ifconfig_fd, uint32_t ifindex) {
  if (ifindex >= XG_MAX_IFINDEX) return InterfaceSettings{};
  xg_if_config c{};
  if (bpf_map_lookup_elem(ifconfig_fd, &ifindex, &c) != 0)
    return ErrnoToStatus(errno, "read xg_ifconfig");
  return DecodeSettings(c);
}

absl::Status PutInterfaceSettings(int ifconfig_fd, uint32_t ifindex, const InterfaceSettings& s) {
  xg_if_config c = EncodeSettings(s);
  if (ifindex >= XG_MAX_IFINDEX) {
    if (c.flags == 0 && c.flow_mode == 0 && c.drop_sample_code == 0 && c.pass_sample_code == 0)
      return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrCat(
        "interface index ", ifindex, " is beyond ", XG_MAX_IFINDEX - 1,
        ": such interfaces always use the default settings (no monitor, flow tracking "
        "matched, drop sample 1 in ", 1u << XG_DEFAULT_DROP_SAMPLE_SHIFT, ")"));
  }
  if (bpf_map_update_elem(ifconfig_fd, &ifindex, &c, BPF_ANY) != 0)
    return ErrnoToStatus(errno, "update xg_ifconfig");
  return absl::OkStatus();
}

absl::Status ResetInterfaceSettings(int ifconfig_fd, uint32_t ifindex) {
  absl::StatusOr<InterfaceSettings> cur = GetInterfaceSettings(ifconfig_fd, ifindex);
  if (!cur.ok()) return cur.status();
  InterfaceSettings defaults;
  defaults.stats_slot = cur->stats_slot;
  return PutInterfaceSettings(ifconfig_fd, ifindex, defaults);
}

absl::Status StampAbiVersion(int info_fd) {
  uint32_t key = 0;
  xg_info info{};
  info.abi_version = XG_ABI_VERSION;
  if (bpf_map_update_elem(info_fd, &key, &info, BPF_ANY) != 0)
    return ErrnoToStatus(errno, "update xg_info");
  return absl::OkStatus();
}

absl::StatusOr<uint8_t> ParseFlowMode(absl::string_view text) {
  if (text == "off") return XG_FLOWS_OFF;
  if (text == "matched") return XG_FLOWS_MATCHED;
  if (text == "all") return XG_FLOWS_ALL;
  return absl::InvalidArgumentError(
      absl::StrCat("flow tracking mode must be off, matched or all, got '", text, "'"));
}

std::string FlowModeName(uint8_t mode) {
  switch (mode) {
    case XG_FLOWS_OFF:
      return "off";
    case XG_FLOWS_MATCHED:
      return "matched";
    case XG_FLOWS_ALL:
      return "all";
  }
  return "unknown";
}

absl::StatusOr<uint8_t> SampleRateToShift(uint32_t one_in, absl::string_view flag) {
  for (uint8_t shift = 0; shift <= XG_MAX_DROP_SAMPLE_SHIFT; shift++)
    if ((1u << shift) == one_in) return shift;
  return absl::InvalidArgumentError(absl::StrCat(
      "--", flag, " must be a power of two from 1 to ", 1u << XG_MAX_DROP_SAMPLE_SHIFT,
      ", got ", one_in));
}

}  // namespace xdpguard::datapath
