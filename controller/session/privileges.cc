// SPDX-License-Identifier: GPL-2.0
// Capability check, so a CLI without privileges says so before it touches anything (a
// failed load must never turn into a half-done attach).
#include <linux/capability.h>

#include "common/capabilities.h"
#include "session/session.h"

namespace xdpguard::session {

absl::Status CheckPrivileges(bool needs_net_admin, bool loads_program) {
  // CAP_BPF arrived in 5.8; before it CAP_SYS_ADMIN covered BPF (and covers the rest).
  const bool admin = HasEffectiveCapability(CAP_SYS_ADMIN);
  const bool bpf = HasEffectiveCapability(CAP_BPF) || admin;
  const bool net = HasEffectiveCapability(CAP_NET_ADMIN);
  // Without CAP_PERFMON (or CAP_SYS_ADMIN) the verifier refuses the program with EACCES:
  // it computes header offsets as differences of packet pointers, which the verifier
  // allows only to such loaders ("R1 pointer -= pointer prohibited").
  const bool perfmon = HasEffectiveCapability(CAP_PERFMON) || admin;
  if (!bpf || (needs_net_admin && !net))
    return absl::PermissionDeniedError(
        needs_net_admin ? "needs root or CAP_BPF+CAP_NET_ADMIN (run with sudo)"
                        : "needs root or CAP_BPF to read the pinned maps (run with sudo)");
  if (loads_program && !perfmon)
    return absl::PermissionDeniedError(
        "loading the XDP program needs CAP_PERFMON as well (or root): without it the kernel's "
        "verifier refuses the program. Nothing was changed");
  return absl::OkStatus();
}

}  // namespace xdpguard::session
