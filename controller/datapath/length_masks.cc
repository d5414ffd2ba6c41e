// SPDX-License-Identifier: GPL-2.0
#include "datapath/length_masks.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"

namespace xdpguard::datapath {
namespace {

uint32_t HostWord(const net::Cidr& c, int word) {
  uint32_t be;
  std::memcpy(&be, c.addr.data() + 4 * word, 4);
  return xg_host32(be);
}

void SetBits(__u64* word, __u64 bits) {
  // Read first: most marks find the bits set already, and a plain load dirties nothing.
  if ((__atomic_load_n(word, __ATOMIC_RELAXED) & bits) == bits) return;
  __atomic_fetch_or(word, bits, __ATOMIC_SEQ_CST);
}

}  // namespace

absl::StatusOr<std::unique_ptr<LengthMasks>> LengthMasks::MapArrays(const Fds& fds) {
  std::unique_ptr<LengthMasks> m(new LengthMasks());
  struct Want {
    int fd;
    size_t bytes;
    const char* name;
    void** out;
  } wants[] = {
      {fds.lens_v4, sizeof(xg_lens_v4) * XG_LENS_V4_REGIONS, XG_MAP_LENS_V4, reinterpret_cast<void**>(&m->v4_)},
      {fds.lens_v6, sizeof(xg_lens_v6) * XG_LENS_V6_REGIONS, XG_MAP_LENS_V6, reinterpret_cast<void**>(&m->v6_)},
      {fds.lsum_v4, sizeof(__u64) * XG_LSUM_V4_ENTRIES, XG_MAP_LSUM_V4, reinterpret_cast<void**>(&m->lsum_v4_)},
      {fds.lsum_v6, sizeof(__u64) * XG_LSUM_V6_ENTRIES, XG_MAP_LSUM_V6, reinterpret_cast<void**>(&m->lsum_v6_)},
  };
  for (const Want& w : wants) {
    absl::StatusOr<void*> at = m->mappings_.Map(w.fd, w.bytes, w.name);  // unmapped with m
    if (!at.ok()) return at.status();
    *w.out = *at;
  }
  return m;
}

std::unique_ptr<LengthMasks> LengthMasks::InMemory() {
  std::unique_ptr<LengthMasks> m(new LengthMasks());
  m->v4_mem_.assign(XG_LENS_V4_REGIONS, xg_lens_v4{});
  m->v6_mem_.assign(XG_LENS_V6_REGIONS, xg_lens_v6{});
  m->lsum_v4_mem_.assign(XG_LSUM_V4_ENTRIES, 0);
  m->lsum_v6_mem_.assign(XG_LSUM_V6_ENTRIES, 0);
  m->v4_ = m->v4_mem_.data();
  m->v6_ = m->v6_mem_.data();
  m->lsum_v4_ = m->lsum_v4_mem_.data();
  m->lsum_v6_ = m->lsum_v6_mem_.data();
  return m;
}

LengthMasks::~LengthMasks() = default;

template <typename Visit>
void LengthMasks::ForEachBit(xg_lens_v4* v4, xg_lens_v6* v6, __u64* lsum_v4, __u64* lsum_v6,
                             ListKind list, const net::Cidr& c, Visit visit) {
  const bool block = list == ListKind::kBlock;
  const uint32_t len = c.prefixlen;
  const bool ipv4 = c.family == net::Family::kIPv4;
  const __u64 summary = xg_lsum_bit(len, ipv4);
  // One summary region: its full-mask word first (IPv6: of the mask region it belongs
  // to), then its summary byte.
  auto mark = [&](uint32_t r) {
    if (ipv4) {
      visit(block ? &v4[r].block : &v4[r].allow, __u64{1} << len);
    } else {
      xg_lens_v6& m = v6[xg_lens_region_v6(r)];
      visit(block ? &m.block[len / 64] : &m.allow[len / 64], __u64{1} << (len % 64));
    }
    visit(&(ipv4 ? lsum_v4 : lsum_v6)[r >> 2], summary << xg_lsum_shift(r, !block));
  };
  if (ipv4) {
    // The /16s the prefix covers: one, or 2^(16 - len) consecutive ones.
    const uint32_t first = HostWord(c, 0) >> (32 - XG_LENS_V4_REGION_BITS);
    const uint32_t count = len >= XG_LENS_V4_REGION_BITS ? 1u : 1u << (XG_LENS_V4_REGION_BITS - len);
    for (uint32_t r = first; r < first + count; r++) mark(r);
    return;
  }
  if (len >= 32) {
    uint32_t be;
    std::memcpy(&be, c.addr.data(), 4);
    mark(xg_lsum_region_v6(be));
    return;
  }
  // The /32s the prefix covers, each hashed to its summary region; past
  // XG_LENS_WIDE_LIMIT of them, every region (a superset: a probe more, never one less).
  const uint64_t count = uint64_t{1} << (32 - len);
  if (count > XG_LENS_WIDE_LIMIT) {
    for (uint32_t r = 0; r < XG_LSUM_V6_REGIONS; r++) mark(r);
    return;
  }
  const uint32_t first = HostWord(c, 0);
  for (uint64_t k = 0; k < count; k++)
    mark(xg_lsum_region_v6(xg_host32(static_cast<uint32_t>(first + k))));
}

void LengthMasks::Mark(ListKind list, const net::Cidr& c) {
  ForEachBit(v4_, v6_, lsum_v4_, lsum_v6_, list, c, SetBits);
}

void LengthMasks::Rebuild(ListKind list, const std::vector<net::Cidr>& present) {
  std::vector<xg_lens_v4> v4(XG_LENS_V4_REGIONS);
  std::vector<xg_lens_v6> v6(XG_LENS_V6_REGIONS);
  std::vector<__u64> s4(XG_LSUM_V4_ENTRIES), s6(XG_LSUM_V6_ENTRIES);
  for (const net::Cidr& c : present)
    ForEachBit(v4.data(), v6.data(), s4.data(), s6.data(), list, c,
               [](__u64* w, __u64 bits) { *w |= bits; });
  // Only this list's bits of each word are rebuilt (the summaries share words with the
  // other list). Needed bits are set first, in the order Mark sets them (full masks, then
  // summaries); unneeded ones cleared after: at no point is a needed bit absent.
  auto clear = [](__u64* live, __u64 want, __u64 mine) {
    const __u64 drop = __atomic_load_n(live, __ATOMIC_RELAXED) & mine & ~want;
    if (drop) __atomic_fetch_and(live, ~drop, __ATOMIC_SEQ_CST);
  };
  const bool block = list == ListKind::kBlock;
  __u64 mine_sum = 0;  // this list's byte in each of the 4 regions of a summary element
  for (uint32_t r = 0; r < 4; r++) mine_sum |= __u64{0xff} << xg_lsum_shift(r, !block);
  for (int pass = 0; pass < 2; pass++) {
    auto apply = [&](__u64* live, __u64 want, __u64 mine) {
      if (pass == 0) SetBits(live, want); else clear(live, want, mine);
    };
    for (uint32_t r = 0; r < XG_LENS_V4_REGIONS; r++)
      apply(block ? &v4_[r].block : &v4_[r].allow, block ? v4[r].block : v4[r].allow, ~__u64{0});
    for (uint32_t r = 0; r < XG_LENS_V6_REGIONS; r++)
      for (int w = 0; w < XG_LENS_V6_WORDS; w++)
        apply(block ? &v6_[r].block[w] : &v6_[r].allow[w], block ? v6[r].block[w] : v6[r].allow[w],
              ~__u64{0});
    for (uint32_t i = 0; i < XG_LSUM_V4_ENTRIES; i++) apply(&lsum_v4_[i], s4[i], mine_sum);
    for (uint32_t i = 0; i < XG_LSUM_V6_ENTRIES; i++) apply(&lsum_v6_[i], s6[i], mine_sum);
  }
}

}  // namespace xdpguard::datapath
