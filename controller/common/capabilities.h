// SPDX-License-Identifier: GPL-2.0
// The calling thread's effective capabilities, for choosing a path that works with what
// the process was given (e.g. attaching without libxdp when CAP_SYS_ADMIN is absent)
// instead of failing late with EPERM.
#ifndef XDPGUARD_COMMON_CAPABILITIES_H_
#define XDPGUARD_COMMON_CAPABILITIES_H_

namespace xdpguard {

// cap: a CAP_* number from <linux/capability.h>. False when it cannot be read.
bool HasEffectiveCapability(int cap);

}  // namespace xdpguard

#endif  // XDPGUARD_COMMON_CAPABILITIES_H_
