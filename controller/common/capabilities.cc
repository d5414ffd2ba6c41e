// SPDX-License-Identifier: GPL-2.0
#include "common/capabilities.h"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace xdpguard {

bool HasEffectiveCapability(int cap) {
  // capget directly: libcap is not a dependency, and two 32-bit words cover every cap.
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &header, data) != 0) return false;
  if (cap < 0 || cap >= 64) return false;
  return (data[cap / 32].effective >> (cap % 32)) & 1u;
}

}  // namespace xdpguard
