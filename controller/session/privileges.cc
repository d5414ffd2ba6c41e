// SPDX-License-Identifier: GPL-2.0
// Capability check from /proc/self/status, so a CLI without privileges says so before it
// touches anything (a failed load must never turn into a half-done attach).
#include <linux/capability.h>

#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "session/session.h"

namespace xdpguard::session {
namespace {

uint64_t EffectiveCaps() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("CapEff:", 0) == 0) {
      uint64_t caps = 0;
      std::string hex = line.substr(7);
      hex.erase(0, hex.find_first_not_of(" \t"));
      if (absl::SimpleHexAtoi(hex, &caps)) return caps;
    }
  }
  return 0;
}

bool Has(uint64_t caps, int cap) { return (caps >> cap) & 1; }

}  // namespace

absl::Status CheckPrivileges(bool needs_net_admin) {
  uint64_t caps = EffectiveCaps();
  // CAP_BPF arrived in 5.8; before it CAP_SYS_ADMIN covered BPF.
  bool bpf = Has(caps, CAP_BPF) || Has(caps, CAP_SYS_ADMIN);
  bool net = Has(caps, CAP_NET_ADMIN);
  if (bpf && (net || !needs_net_admin)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      needs_net_admin ? "needs root or CAP_BPF+CAP_NET_ADMIN (run with sudo)"
                      : "needs root or CAP_BPF to read the pinned maps (run with sudo)");
}

}  // namespace xdpguard::session
