// SPDX-License-Identifier: GPL-2.0
// Host side of the bucketised-table prototype (bucket_table.h): builds the table in memory
// with cuckoo insertion, then copies it into the BPF array through mmap. Benchmarks only.
#ifndef XDPGUARD_BENCH_BUCKET_BUILDER_H_
#define XDPGUARD_BENCH_BUCKET_BUILDER_H_

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "bucket_table.h"

struct bucket_probe_bpf;

namespace xdpguard::bench {

class BucketBuilder {
 public:
  // Enough buckets (a power of two) for `keys` at most half full.
  static uint32_t BucketsFor(size_t keys);
  explicit BucketBuilder(uint32_t buckets);

  // addr in network order, ref < 2^24. False when no slot was found within the move budget.
  bool Insert(uint32_t addr, uint8_t plen, uint32_t ref);
  // The reference of (addr, plen), or -1: the same probe as the BPF programs.
  int Find(uint32_t addr, uint8_t plen) const;

  uint32_t buckets() const { return static_cast<uint32_t>(table_.size()); }
  size_t in_second() const { return in_second_; }  // keys living in their second bucket
  size_t spilled_buckets() const;
  // Copies the table into an mmapable BPF array of buckets() entries. Empty on success.
  std::string WriteTo(int map_fd) const;
  // Copies the table into new inner arrays of XB_INNER_BUCKETS buckets each, stored in the
  // array of maps outer_fd (buckets() / XB_INNER_BUCKETS entries, at least 1). Empty on success.
  std::string WriteToInner(int outer_fd) const;

 private:
  uint32_t mask() const { return buckets() - 1; }
  int FreeSlot(uint32_t bucket) const;
  void Place(uint32_t bucket, int slot, const xb_slot& s);
  std::vector<xb_bucket> table_;
  std::mt19937 rng_{12345};
  size_t in_second_ = 0;
};

// Builds the table of keys (IPv4 /32 addresses in network order, references 0..n-1) and
// loads the prototype's programs (bucket_probe.bpf.c) with it, every policy and value
// dropping. Null on failure (*error says why); *summary describes the table.
bucket_probe_bpf* LoadBucketPrototype(const std::vector<uint32_t>& keys, std::string* error, std::string* summary);

}  // namespace xdpguard::bench

#endif  // XDPGUARD_BENCH_BUCKET_BUILDER_H_
