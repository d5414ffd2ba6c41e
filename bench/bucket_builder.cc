// SPDX-License-Identifier: GPL-2.0
#include "bucket_builder.h"

#include <bpf/libbpf.h>
#include "bucket_probe_bpf.skel.h"

#include <bpf/bpf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace xdpguard::bench {
namespace {

uint8_t Length(const xb_slot& s) { return s.plen & ~XB_SPILLED; }
bool SameKey(const xb_slot& s, uint32_t addr, uint8_t plen) { return Length(s) == plen && s.addr == addr; }
uint32_t Ref(const xb_slot& s) { return s.ref[0] | (s.ref[1] << 8) | (s.ref[2] << 16); }

}  // namespace

uint32_t BucketBuilder::BucketsFor(size_t keys) {
  uint32_t b = 2;  // two buckets at least, so a key has two choices
  while (static_cast<size_t>(b) * XB_SLOTS < keys * 2) b <<= 1;
  return b;
}

BucketBuilder::BucketBuilder(uint32_t buckets) : table_(buckets) { std::memset(table_.data(), 0, buckets * sizeof(xb_bucket)); }

int BucketBuilder::FreeSlot(uint32_t bucket) const {
  for (int i = 0; i < XB_SLOTS; i++)
    if (Length(table_[bucket].slot[i]) == 0) return i;
  return -1;
}

// Writes a key into a slot, keeping slot 0's spilled bit (it belongs to the bucket).
void BucketBuilder::Place(uint32_t bucket, int slot, const xb_slot& s) {
  xb_slot& dst = table_[bucket].slot[slot];
  uint8_t keep = slot == 0 ? (dst.plen & XB_SPILLED) : 0;
  dst = s;
  dst.plen = static_cast<uint8_t>(Length(s) | keep);
  uint64_t h = xb_hash(s.addr, Length(s));
  if (bucket != xb_first(h, mask())) {
    table_[xb_first(h, mask())].slot[0].plen |= XB_SPILLED;
    in_second_++;
  }
}

bool BucketBuilder::Insert(uint32_t addr, uint8_t plen, uint32_t ref) {
  xb_slot cur{addr, plen, {static_cast<uint8_t>(ref), static_cast<uint8_t>(ref >> 8), static_cast<uint8_t>(ref >> 16)}};
  uint64_t h = xb_hash(addr, plen);
  uint32_t b1 = xb_first(h, mask()), b2 = xb_second(h, mask());
  for (uint32_t b : {b1, b2}) {
    for (const xb_slot& s : table_[b].slot)
      if (SameKey(s, addr, plen)) return true;
  }
  uint32_t at = b2;  // the bucket the carried key came from: evict from the other one
  for (int moves = 0; moves < 1000; moves++) {
    uint64_t hc = xb_hash(cur.addr, Length(cur));
    uint32_t first = xb_first(hc, mask()), second = xb_second(hc, mask());
    for (uint32_t b : {first, second}) {
      if (int s = FreeSlot(b); s >= 0) {
        Place(b, s, cur);
        return true;
      }
    }
    // Both full: evict a random key of one of them and carry it to its other bucket.
    at = (at == first) ? second : first;
    int victim = static_cast<int>(rng_() % XB_SLOTS);
    xb_slot out = table_[at].slot[victim];
    uint64_t hv = xb_hash(out.addr, Length(out));
    if (at != xb_first(hv, mask())) in_second_--;
    Place(at, victim, cur);
    cur = out;  // it lived in `at`, so its next try is its other bucket
    cur.plen = Length(out);
  }
  return false;
}

int BucketBuilder::Find(uint32_t addr, uint8_t plen) const {
  uint64_t h = xb_hash(addr, plen);
  const xb_bucket& b1 = table_[xb_first(h, mask())];
  for (const xb_slot& s : b1.slot)
    if (SameKey(s, addr, plen)) return static_cast<int>(Ref(s));
  if (!(b1.slot[0].plen & XB_SPILLED)) return -1;
  for (const xb_slot& s : table_[xb_second(h, mask())].slot)
    if (SameKey(s, addr, plen)) return static_cast<int>(Ref(s));
  return -1;
}

size_t BucketBuilder::spilled_buckets() const {
  size_t n = 0;
  for (const xb_bucket& b : table_) n += (b.slot[0].plen & XB_SPILLED) ? 1 : 0;
  return n;
}

std::string BucketBuilder::WriteTo(int map_fd) const {
  size_t len = table_.size() * sizeof(xb_bucket);
  void* mem = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
  if (mem == MAP_FAILED) return std::string("mmap of the bucket array: ") + strerror(errno);
  std::memcpy(mem, table_.data(), len);
  munmap(mem, len);
  return "";
}

std::string BucketBuilder::WriteToInner(int outer_fd) const {
  std::vector<uint32_t> keys(XB_INNER_BUCKETS);
  for (uint32_t i = 0; i < XB_INNER_BUCKETS; i++) keys[i] = i;
  for (uint32_t first = 0, outer = 0; first < table_.size(); first += XB_INNER_BUCKETS, outer++) {
    int inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xb_inner", sizeof(uint32_t), sizeof(xb_bucket),
                               XB_INNER_BUCKETS, nullptr);
    if (inner < 0) return std::string("inner bucket array: ") + strerror(errno);
    uint32_t n = std::min<uint32_t>(XB_INNER_BUCKETS, static_cast<uint32_t>(table_.size()) - first);
    LIBBPF_OPTS(bpf_map_batch_opts, opts);
    int err = bpf_map_update_batch(inner, keys.data(), &table_[first], &n, &opts);
    if (!err) err = bpf_map_update_elem(outer_fd, &outer, &inner, 0);
    int saved = errno;
    close(inner);  // the outer array holds it
    if (err) return std::string("filling an inner bucket array: ") + strerror(saved);
  }
  return "";
}

}  // namespace xdpguard::bench

namespace xdpguard::bench {
namespace {

// Sets every policy (XB_POLICIES) and the first `values` values to drop.
std::string FillDrop(int policies_fd, int values_fd, uint32_t values) {
  xb_policy drop{1, 0};
  for (uint32_t i = 0; i < XB_POLICIES; i++) {
    if (bpf_map_update_elem(policies_fd, &i, &drop, 0)) return std::string("policies: ") + strerror(errno);
  }
  size_t len = static_cast<size_t>(values) * sizeof(xb_value);
  void* mem = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, values_fd, 0);
  if (mem == MAP_FAILED) return std::string("mmap of the value array: ") + strerror(errno);
  auto* v = static_cast<xb_value*>(mem);
  for (uint32_t i = 0; i < values; i++) v[i].action = 1;
  munmap(mem, len);
  return "";
}

}  // namespace

bucket_probe_bpf* LoadBucketPrototype(const std::vector<uint32_t>& keys, std::string* error, std::string* summary) {
  BucketBuilder table(BucketBuilder::BucketsFor(keys.size()));
  for (uint32_t i = 0; i < keys.size(); i++) {
    if (!table.Insert(keys[i], 32, i)) {
      *error = "the bucket table is full";
      return nullptr;
    }
  }
  bucket_probe_bpf* skel = bucket_probe_bpf__open();
  if (!skel) {
    *error = "cannot open the bucket prototype";
    return nullptr;
  }
  bpf_map__set_max_entries(skel->maps.xb_buckets, table.buckets());
  bpf_map__set_max_entries(skel->maps.xb_values, static_cast<uint32_t>(keys.size()));
  bpf_map__set_max_entries(skel->maps.xb_outer, std::max<uint32_t>(1, table.buckets() / XB_INNER_BUCKETS));
  skel->rodata->xb_mask = table.buckets() - 1;
  if (bucket_probe_bpf__load(skel)) {
    *error = "cannot load the bucket prototype";
  } else {
    *error = table.WriteTo(bpf_map__fd(skel->maps.xb_buckets));
    if (error->empty()) *error = table.WriteToInner(bpf_map__fd(skel->maps.xb_outer));
    if (error->empty())
      *error = FillDrop(bpf_map__fd(skel->maps.xb_policies), bpf_map__fd(skel->maps.xb_values),
                        static_cast<uint32_t>(keys.size()));
  }
  if (!error->empty()) {
    bucket_probe_bpf__destroy(skel);
    return nullptr;
  }
  *summary = std::to_string(keys.size()) + " keys in " + std::to_string(table.buckets()) + " buckets, " +
             std::to_string(table.in_second()) + " in their second bucket, " +
             std::to_string(table.spilled_buckets()) + " buckets spilled";
  return skel;
}

}  // namespace xdpguard::bench
