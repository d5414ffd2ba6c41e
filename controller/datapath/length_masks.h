// SPDX-License-Identifier: GPL-2.0
// The per-region "prefix lengths present" masks of the allowlist and blocklist
// (struct xg_lens_v4 / xg_lens_v6 in maps/xdpguard_maps.h) and their one-byte summaries
// (xg_lsum_v4 / xg_lsum_v6), which tell the datapath which lengths to probe for a source. The controller only ever sets bits, with atomic ORs on
// the maps' mmapped memory (two writers can never lose each other's bit), and always before
// the entry the bit announces is written (full mask first, then summary): a reader sees the
// bit before the entry, never the entry without its bit. A bit may outlive its entries (a wasted probe, never a wrong
// verdict) until the masks are rebuilt from the lists (Rebuild, under the writers' lock).
#ifndef XDPGUARD_DATAPATH_LENGTH_MASKS_H_
#define XDPGUARD_DATAPATH_LENGTH_MASKS_H_

#include <cstddef>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "datapath/mapped_arrays.h"
#include "net/cidr.h"
#include "xdpguard_maps.h"

namespace xdpguard::datapath {

enum class ListKind { kBlock, kAllow };

class LengthMasks {
 public:
  // Maps the four BPF_F_MMAPABLE arrays by their fds.
  struct Fds {
    int lens_v4, lens_v6, lsum_v4, lsum_v6;
  };
  static absl::StatusOr<std::unique_ptr<LengthMasks>> MapArrays(const Fds& fds);
  // Zeroed masks in ordinary memory: unit tests and the host-side lookup.
  static std::unique_ptr<LengthMasks> InMemory();
  ~LengthMasks();
  LengthMasks(const LengthMasks&) = delete;
  LengthMasks& operator=(const LengthMasks&) = delete;

  // Sets the bit of c's length in every region c covers.
  void Mark(ListKind list, const net::Cidr& c);
  // Rebuilds one list's masks from the complete set of its prefixes: bits of lengths that
  // no longer have an entry in a region are cleared. Only safe while no other writer can
  // add entries (the caller holds the pin-directory lock) and `present` is every entry.
  void Rebuild(ListKind list, const std::vector<net::Cidr>& present);

  const xg_lens_v4* v4() const { return v4_; }
  const xg_lens_v6* v6() const { return v6_; }
  const __u64* lsum_v4() const { return lsum_v4_; }
  const __u64* lsum_v6() const { return lsum_v6_; }

 private:
  LengthMasks() = default;
  // Calls visit(word, bits) for every full-mask word and then every summary element c
  // needs bits in, with masks laid out like the maps.
  template <typename Visit>
  static void ForEachBit(xg_lens_v4* v4, xg_lens_v6* v6, __u64* lsum_v4, __u64* lsum_v6,
                         ListKind list, const net::Cidr& c, Visit visit);

  xg_lens_v4* v4_ = nullptr;
  xg_lens_v6* v6_ = nullptr;
  __u64* lsum_v4_ = nullptr;
  __u64* lsum_v6_ = nullptr;
  MappedArrays mappings_;
  std::vector<xg_lens_v4> v4_mem_;
  std::vector<xg_lens_v6> v6_mem_;
  std::vector<__u64> lsum_v4_mem_, lsum_v6_mem_;
};

}  // namespace xdpguard::datapath

#endif  // XDPGUARD_DATAPATH_LENGTH_MASKS_H_
