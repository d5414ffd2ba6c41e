// SPDX-License-Identifier: GPL-2.0
#include "common/memory_reuse.h"

#include <malloc.h>

namespace xdpguard {

void KeepFreedMemoryForReuse() {
  // 32 MiB is glibc's largest mmap threshold on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX).
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
}

}  // namespace xdpguard
