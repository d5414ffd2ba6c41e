// SPDX-License-Identifier: GPL-2.0
#include "datapath/interface_config.h"

#include <bpf/bpf.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"

namespace xdpguard::datapath {
namespace {

absl::StatusOr<xg_info> ReadInfo(int info_fd) {
  uint32_t key = 0;
  xg_info info{};
  if (bpf_map_lookup_elem(info_fd, &key, &info) != 0) return ErrnoToStatus(errno, "read xg_info");
  return info;
}

absl::Status WriteInfo(int info_fd, const xg_info& info) {
  uint32_t key = 0;
  if (bpf_map_update_elem(info_fd, &key, &info, BPF_ANY) != 0)
    return ErrnoToStatus(errno, "update xg_info");
  return absl::OkStatus();
}

bool IsDefault(const xg_if_config& c) {
  xg_if_config d = DefaultInterfaceConfig();
  return c.flags == d.flags && c.flow_mode == d.flow_mode &&
         c.drop_sample_shift == d.drop_sample_shift;
}

// Recomputes the xg_info summary bits from every xg_ifconfig entry.
absl::Status RefreshSummary(const InterfaceConfigMaps& maps) {
  bool used = false, all = false;
  uint32_t key = 0, next = 0;
  xg_if_config cfg{};
  int err = bpf_map_get_next_key(maps.ifconfig_fd, nullptr, &next);
  while (err == 0) {
    key = next;
    if (bpf_map_lookup_elem(maps.ifconfig_fd, &key, &cfg) == 0) {
      used = used || !IsDefault(cfg);
      all = all || cfg.flow_mode == XG_FLOWS_ALL;
    }
    err = bpf_map_get_next_key(maps.ifconfig_fd, &key, &next);
  }
  absl::StatusOr<xg_info> info = ReadInfo(maps.info_fd);
  if (!info.ok()) return info.status();
  info->flags &= ~(XG_INFO_IFCONFIG_USED | XG_INFO_ANY_FLOWS_ALL);
  if (used) info->flags |= XG_INFO_IFCONFIG_USED;
  if (all) info->flags |= XG_INFO_ANY_FLOWS_ALL;
  return WriteInfo(maps.info_fd, *info);
}

}  // namespace

xg_if_config DefaultInterfaceConfig() {
  xg_if_config c{};
  c.flow_mode = XG_FLOWS_MATCHED;
  c.drop_sample_shift = XG_DEFAULT_DROP_SAMPLE_SHIFT;
  return c;
}

absl::StatusOr<xg_if_config> GetInterfaceConfig(const InterfaceConfigMaps& maps,
                                                uint32_t ifindex) {
  xg_if_config cfg{};
  if (bpf_map_lookup_elem(maps.ifconfig_fd, &ifindex, &cfg) == 0) return cfg;
  if (errno == ENOENT) return DefaultInterfaceConfig();
  return ErrnoToStatus(errno, "read xg_ifconfig");
}

absl::Status PutInterfaceConfig(const InterfaceConfigMaps& maps, uint32_t ifindex,
                                const xg_if_config& cfg) {
  if (IsDefault(cfg)) {
    if (bpf_map_delete_elem(maps.ifconfig_fd, &ifindex) != 0 && errno != ENOENT)
      return ErrnoToStatus(errno, "delete from xg_ifconfig");
  } else if (bpf_map_update_elem(maps.ifconfig_fd, &ifindex, &cfg, BPF_ANY) != 0) {
    return ErrnoToStatus(errno, "update xg_ifconfig");
  }
  return RefreshSummary(maps);
}

absl::Status SetInterfaceMonitor(const InterfaceConfigMaps& maps, uint32_t ifindex, bool on) {
  absl::StatusOr<xg_if_config> cfg = GetInterfaceConfig(maps, ifindex);
  if (!cfg.ok()) return cfg.status();
  cfg->flags = on ? (cfg->flags | XG_IF_MONITOR) : (cfg->flags & ~XG_IF_MONITOR);
  return PutInterfaceConfig(maps, ifindex, *cfg);
}

absl::Status RemoveInterfaceConfig(const InterfaceConfigMaps& maps, uint32_t ifindex) {
  return PutInterfaceConfig(maps, ifindex, DefaultInterfaceConfig());
}

absl::Status StampAbiVersion(int info_fd) {
  absl::StatusOr<xg_info> info = ReadInfo(info_fd);
  if (!info.ok()) return info.status();
  info->abi_version = XG_ABI_VERSION;
  return WriteInfo(info_fd, *info);
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

absl::StatusOr<uint8_t> SampleRateToShift(uint32_t one_in) {
  for (uint8_t shift = 0; shift <= XG_MAX_DROP_SAMPLE_SHIFT; shift++)
    if ((1u << shift) == one_in) return shift;
  return absl::InvalidArgumentError(absl::StrCat(
      "--drop-sample must be a power of two from 1 to ", 1u << XG_MAX_DROP_SAMPLE_SHIFT,
      ", got ", one_in));
}

}  // namespace xdpguard::datapath
