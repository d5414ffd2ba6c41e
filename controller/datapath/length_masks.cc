// SPDX-License-Identifier: GPL-2.0
#include "datapath/length_masks.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/errno_status.h"

namespace xdpguard::datapath {
namespace {

size_t PageRounded(size_t bytes) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return (bytes + page - 1) / page * page;
}

uint32_t HostWord(const net::Cidr& c, int word) {
  uint32_t be;
  std::memcpy(&be, c.addr.data() + 4 * word, 4);
  return xg_host32(be);
}

void SetBit(__u64* word, __u64 bit) {
  // Read first: most marks find the bit set already, and a plain load dirties nothing.
  if (__atomic_load_n(word, __ATOMIC_RELAXED) & bit) return;
  __atomic_fetch_or(word, bit, __ATOMIC_SEQ_CST);
}

}  // namespace

absl::StatusOr<std::unique_ptr<LengthMasks>> LengthMasks::MapArrays(int v4_fd, int v6_fd) {
  std::unique_ptr<LengthMasks> m(new LengthMasks());
  m->v4_bytes_ = PageRounded(sizeof(xg_lens_v4) * XG_LENS_V4_REGIONS);
  m->v6_bytes_ = PageRounded(sizeof(xg_lens_v6) * XG_LENS_V6_REGIONS);
  void* v4 = mmap(nullptr, m->v4_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, v4_fd, 0);
  if (v4 == MAP_FAILED) return ErrnoToStatus(errno, "map " XG_MAP_LENS_V4 " into memory");
  void* v6 = mmap(nullptr, m->v6_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, v6_fd, 0);
  if (v6 == MAP_FAILED) {
    int err = errno;
    munmap(v4, m->v4_bytes_);
    return ErrnoToStatus(err, "map " XG_MAP_LENS_V6 " into memory");
  }
  m->v4_ = static_cast<xg_lens_v4*>(v4);
  m->v6_ = static_cast<xg_lens_v6*>(v6);
  m->mapped_ = true;
  return m;
}

std::unique_ptr<LengthMasks> LengthMasks::InMemory() {
  std::unique_ptr<LengthMasks> m(new LengthMasks());
  m->v4_mem_.assign(XG_LENS_V4_REGIONS, xg_lens_v4{});
  m->v6_mem_.assign(XG_LENS_V6_REGIONS, xg_lens_v6{});
  m->v4_ = m->v4_mem_.data();
  m->v6_ = m->v6_mem_.data();
  return m;
}

LengthMasks::~LengthMasks() {
  if (!mapped_) return;
  munmap(v4_, v4_bytes_);
  munmap(v6_, v6_bytes_);
}

template <typename Visit>
void LengthMasks::ForEachBit(xg_lens_v4* v4, xg_lens_v6* v6, ListKind list, const net::Cidr& c,
                             Visit visit) {
  const bool block = list == ListKind::kBlock;
  const uint32_t len = c.prefixlen;
  if (c.family == net::Family::kIPv4) {
    // The /16s the prefix covers: one, or 2^(16 - len) consecutive ones.
    const uint32_t first = HostWord(c, 0) >> (32 - XG_LENS_V4_REGION_BITS);
    const uint32_t count = len >= XG_LENS_V4_REGION_BITS ? 1u : 1u << (XG_LENS_V4_REGION_BITS - len);
    for (uint32_t r = first; r < first + count; r++)
      visit(block ? &v4[r].block : &v4[r].allow, uint64_t{1} << len);
    return;
  }
  const uint64_t bit = uint64_t{1} << (len % 64);
  auto word = [&](uint32_t r) { return block ? &v6[r].block[len / 64] : &v6[r].allow[len / 64]; };
  if (len >= 32) {
    uint32_t be;
    std::memcpy(&be, c.addr.data(), 4);
    visit(word(xg_lens_region_v6(be)), bit);
    return;
  }
  // The /32s the prefix covers, each hashed to its region; past XG_LENS_WIDE_LIMIT of
  // them, every region (the hash spreads that many over all regions anyway).
  const uint64_t count = uint64_t{1} << (32 - len);
  if (count > XG_LENS_WIDE_LIMIT) {
    for (uint32_t r = 0; r < XG_LENS_V6_REGIONS; r++) visit(word(r), bit);
    return;
  }
  const uint32_t first = HostWord(c, 0);
  for (uint64_t k = 0; k < count; k++)
    visit(word(xg_lens_region_v6(xg_host32(static_cast<uint32_t>(first + k)))), bit);
}

void LengthMasks::Mark(ListKind list, const net::Cidr& c) {
  ForEachBit(v4_, v6_, list, c, SetBit);
}

void LengthMasks::Rebuild(ListKind list, const std::vector<net::Cidr>& present) {
  std::vector<xg_lens_v4> v4(XG_LENS_V4_REGIONS);
  std::vector<xg_lens_v6> v6(XG_LENS_V6_REGIONS);
  for (const net::Cidr& c : present)
    ForEachBit(v4.data(), v6.data(), list, c, [](__u64* w, __u64 bit) { *w |= bit; });
  // Set what is needed first, then clear what is not: at no point is a needed bit absent.
  auto update = [](__u64* live, __u64 want) {
    if (want & ~__atomic_load_n(live, __ATOMIC_RELAXED)) __atomic_fetch_or(live, want, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(live, __ATOMIC_RELAXED) & ~want) __atomic_fetch_and(live, want, __ATOMIC_SEQ_CST);
  };
  const bool block = list == ListKind::kBlock;
  for (uint32_t r = 0; r < XG_LENS_V4_REGIONS; r++)
    update(block ? &v4_[r].block : &v4_[r].allow, block ? v4[r].block : v4[r].allow);
  for (uint32_t r = 0; r < XG_LENS_V6_REGIONS; r++)
    for (int w = 0; w < XG_LENS_V6_WORDS; w++)
      update(block ? &v6_[r].block[w] : &v6_[r].allow[w], block ? v6[r].block[w] : v6[r].allow[w]);
}

}  // namespace xdpguard::datapath
