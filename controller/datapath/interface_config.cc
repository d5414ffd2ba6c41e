// SPDX-License-Identifier: GPL-2.0
#include "datapath/interface_config.h"

#include <bpf/bpf.h>

#include <cerrno>

#include "common/errno_status.h"
#include "xdpguard_maps.h"

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

// Recomputes XG_INFO_ANY_IF_MONITOR from every xg_ifconfig entry.
absl::Status RefreshSummary(const InterfaceConfigMaps& maps) {
  bool any = false;
  uint32_t key = 0, next = 0;
  xg_if_config cfg{};
  int err = bpf_map_get_next_key(maps.ifconfig_fd, nullptr, &next);
  while (err == 0) {
    key = next;
    if (bpf_map_lookup_elem(maps.ifconfig_fd, &key, &cfg) == 0 && (cfg.flags & XG_IF_MONITOR))
      any = true;
    err = bpf_map_get_next_key(maps.ifconfig_fd, &key, &next);
  }
  absl::StatusOr<xg_info> info = ReadInfo(maps.info_fd);
  if (!info.ok()) return info.status();
  info->flags = any ? (info->flags | XG_INFO_ANY_IF_MONITOR) : (info->flags & ~XG_INFO_ANY_IF_MONITOR);
  return WriteInfo(maps.info_fd, *info);
}

}  // namespace

absl::Status SetInterfaceMonitor(const InterfaceConfigMaps& maps, uint32_t ifindex, bool on) {
  xg_if_config cfg{};
  bpf_map_lookup_elem(maps.ifconfig_fd, &ifindex, &cfg);  // keep other flags if present
  cfg.flags = on ? (cfg.flags | XG_IF_MONITOR) : (cfg.flags & ~XG_IF_MONITOR);
  if (bpf_map_update_elem(maps.ifconfig_fd, &ifindex, &cfg, BPF_ANY) != 0)
    return ErrnoToStatus(errno, "update xg_ifconfig");
  return RefreshSummary(maps);
}

absl::StatusOr<bool> InterfaceMonitor(const InterfaceConfigMaps& maps, uint32_t ifindex) {
  xg_if_config cfg{};
  if (bpf_map_lookup_elem(maps.ifconfig_fd, &ifindex, &cfg) != 0) {
    if (errno == ENOENT) return false;
    return ErrnoToStatus(errno, "read xg_ifconfig");
  }
  return (cfg.flags & XG_IF_MONITOR) != 0;
}

absl::Status RemoveInterfaceConfig(const InterfaceConfigMaps& maps, uint32_t ifindex) {
  if (bpf_map_delete_elem(maps.ifconfig_fd, &ifindex) != 0 && errno != ENOENT)
    return ErrnoToStatus(errno, "delete from xg_ifconfig");
  return RefreshSummary(maps);
}

absl::Status StampAbiVersion(int info_fd) {
  absl::StatusOr<xg_info> info = ReadInfo(info_fd);
  if (!info.ok()) return info.status();
  info->abi_version = XG_ABI_VERSION;
  return WriteInfo(info_fd, *info);
}

}  // namespace xdpguard::datapath
