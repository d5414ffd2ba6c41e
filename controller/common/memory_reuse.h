// SPDX-License-Identifier: GPL-2.0
// A long-running process that rebuilds big vectors on every feed refresh (a million-entry
// list is a few 10-30 MB arrays per stage) pays, by default, a page fault per 4 KiB each
// time: glibc hands such blocks back to the kernel on free and maps fresh zeroed pages
// for the next. That was about a fifth of a 1% refresh at 1M entries. Keeping freed
// memory in the heap makes the next refresh reuse it; the price is that the process
// keeps its high-water mark (peak RSS is unchanged, it is just not returned).
#ifndef XDPGUARD_COMMON_MEMORY_REUSE_H_
#define XDPGUARD_COMMON_MEMORY_REUSE_H_

namespace xdpguard {

// Blocks up to 32 MiB come from the heap, and the heap is not trimmed below 1 GiB.
void KeepFreedMemoryForReuse();

}  // namespace xdpguard

#endif  // XDPGUARD_COMMON_MEMORY_REUSE_H_
