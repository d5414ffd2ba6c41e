// SPDX-License-Identifier: GPL-2.0
// The number of possible CPUs: the count of per-CPU value slots the kernel reads and writes,
// and of the per-rule counters' regions. At least 1 (libbpf answers a negative errno when
// it cannot read /sys/devices/system/cpu/possible).
#ifndef XDPGUARD_DATAPATH_POSSIBLE_CPUS_H_
#define XDPGUARD_DATAPATH_POSSIBLE_CPUS_H_

#include <bpf/libbpf.h>

namespace xdpguard::datapath {

inline int PossibleCpus() {
  const int n = libbpf_num_possible_cpus();
  return n > 0 ? n : 1;
}

}  // namespace xdpguard::datapath

#endif  // XDPGUARD_DATAPATH_POSSIBLE_CPUS_H_
