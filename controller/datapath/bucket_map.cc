// SPDX-License-Identifier: GPL-2.0
#include "datapath/bucket_map.h"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "datapath/libbpf_map.h"
#include "spdlog/spdlog.h"

namespace xdpguard::datapath {
namespace {

// Every store a running program may observe is a release store, so the compiler keeps the
// protocol's order (x86 keeps it in hardware).
template <typename T, typename V>
void Store(T* at, V v) {
  __atomic_store_n(at, static_cast<T>(v), __ATOMIC_RELEASE);
}
template <typename T>
T Load(const T* at) {
  return __atomic_load_n(at, __ATOMIC_ACQUIRE);
}

std::string RuleBytes(const xg_rule& r) { return std::string(reinterpret_cast<const char*>(&r), sizeof(r)); }
// The rule as the datapath acts on it: without the creation time (shown by listings only).
std::string LooseBytes(xg_rule r) {
  r.created_s = 0;
  return RuleBytes(r);
}

bool AllZero(const void* p, size_t n) {
  const auto* b = static_cast<const unsigned char*>(p);
  return std::all_of(b, b + n, [](unsigned char c) { return c == 0; });
}

// Waits until every XDP program run that started before the call has finished:
// MEMBARRIER_CMD_GLOBAL is synchronize_rcu(), and programs run inside RCU read sections.
void Membarrier() {
  if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) == 0) return;
  static bool warned = false;
  if (!warned) {
    spdlog::warn("membarrier(MEMBARRIER_CMD_GLOBAL) is unavailable ({}); waiting 200 ms for a grace period instead",
                 strerror(errno));
    warned = true;
  }
  usleep(200000);
}

uint32_t SlotsPerBucket(net::Family f) { return f == net::Family::kIPv4 ? XG_BKT_V4_SLOTS : XG_BKT_V6_SLOTS; }

}  // namespace

uint32_t BucketsForEntries(net::Family family, uint32_t entries) {
  const uint64_t want = static_cast<uint64_t>(std::max<uint32_t>(entries, 1)) * XG_BKT_MAX_LOAD_DIV;
  uint64_t buckets = 2;
  while (buckets * SlotsPerBucket(family) < want) buckets <<= 1;
  return static_cast<uint32_t>(buckets);
}

uint32_t EntryCapacity(net::Family family, uint32_t buckets) {
  return static_cast<uint32_t>(static_cast<uint64_t>(buckets) * SlotsPerBucket(family) / XG_BKT_MAX_LOAD_DIV);
}

uint32_t RulesForEntries(uint32_t entries) { return std::max<uint32_t>(1024, entries / 16); }

BucketMap::BucketMap(Spec spec, void* buckets, uint32_t nbuckets, xg_rule* rules, uint32_t nrules)
    : spec_(std::move(spec)), buckets_(buckets), nbuckets_(nbuckets), rules_(rules), nrules_(nrules) {}

BucketMap::~BucketMap() = default;

absl::StatusOr<std::unique_ptr<BucketMap>> BucketMap::MapArrays(const Spec& spec, const LibbpfMap& buckets,
                                                                const LibbpfMap* rules) {
  const size_t bucket_size = spec.family == net::Family::kIPv4 ? sizeof(xg_bucket_v4) : sizeof(xg_bucket_v6);
  if (buckets.value_size() != bucket_size || buckets.max_entries() < 2 ||
      (buckets.max_entries() & (buckets.max_entries() - 1)) != 0)
    return absl::FailedPreconditionError(absl::StrCat("map ", buckets.name(), " is not a bucket table of this build"));
  if (!spec.allowlist && (!rules || rules->value_size() != sizeof(xg_rule)))
    return absl::FailedPreconditionError(absl::StrCat("the rules of ", buckets.name(), " are missing or of another build"));
  MappedArrays mappings;
  auto map_in = [&](const LibbpfMap& m) {
    return mappings.Map(m.fd(), static_cast<size_t>(m.value_size()) * m.max_entries(), m.name().c_str());
  };
  absl::StatusOr<void*> b = map_in(buckets);
  if (!b.ok()) return b.status();
  absl::StatusOr<void*> r = spec.allowlist ? absl::StatusOr<void*>(nullptr) : map_in(*rules);
  if (!r.ok()) return r.status();
  std::unique_ptr<BucketMap> m(new BucketMap(spec, *b, buckets.max_entries(), static_cast<xg_rule*>(*r),
                                             spec.allowlist ? 0 : rules->max_entries()));
  m->mappings_ = std::move(mappings);
  m->identity_ = spec.allowlist ? buckets.identity() : absl::StrCat(buckets.identity(), "+", rules->identity());
  return m;
}

std::unique_ptr<BucketMap> BucketMap::InMemory(const Spec& spec, uint32_t buckets, uint32_t rules) {
  const size_t bucket_size = spec.family == net::Family::kIPv4 ? sizeof(xg_bucket_v4) : sizeof(xg_bucket_v6);
  const size_t rule_bytes = spec.allowlist ? 0 : sizeof(xg_rule) * rules;
  std::vector<unsigned char> owned(bucket_size * buckets + rule_bytes + 64, 0);
  unsigned char* base = owned.data() + (64 - reinterpret_cast<uintptr_t>(owned.data()) % 64) % 64;
  std::unique_ptr<BucketMap> m(new BucketMap(spec, base, buckets,
                                             spec.allowlist ? nullptr : reinterpret_cast<xg_rule*>(base + bucket_size * buckets),
                                             spec.allowlist ? 0 : rules));
  m->owned_ = std::move(owned);
  m->identity_ = absl::StrCat("memory:", reinterpret_cast<uintptr_t>(base));
  m->grace_ = [] {};
  return m;
}

uint32_t BucketMap::key_size() const { return ipv4() ? sizeof(xg_lpm_v4_key) : sizeof(xg_lpm_v6_key); }
uint32_t BucketMap::value_size() const { return spec_.allowlist ? sizeof(xg_allow) : sizeof(xg_rule); }

absl::StatusOr<uint32_t> BucketMap::Count() {
  EnsureScanned();
  return count_;
}

uint32_t BucketMap::rule_count() {
  EnsureScanned();
  return static_cast<uint32_t>(rule_index_.size());
}

// Done on the first count or write, not at open: readers (listings, metrics scrapes, stats)
// need none of it.
void BucketMap::EnsureScanned(bool with_spills) {
  if (scanned_) {
    if (with_spills) EnsureSpillCounts();
    return;
  }
  scanned_ = true;
  count_ = 0;
  refcount_.assign(nrules_, 0);
  auto count = [&](uint32_t ref) {
    count_++;
    if (!spec_.allowlist && ref < nrules_) refcount_[ref]++;
  };
  if (ipv4()) {
    // Every write session scans the table (millions of slots) once: one word per slot,
    // read in place, and a writer's spill counts from the same pass.
    const auto* bk = static_cast<const xg_bucket_v4*>(buckets_);
    const uint32_t mask = nbuckets_ - 1;
    if (with_spills) spills_.assign(nbuckets_, 0);
    for (uint32_t b = 0; b < nbuckets_; b++) {
      for (int s = 0; s < XG_BKT_V4_SLOTS; s++) {
        const uint64_t w = Load(&bk[b].slot[s]);
        const uint32_t len1 = static_cast<uint32_t>(w >> 32) & 0x7f;
        if (len1 == 0) continue;
        count(static_cast<uint32_t>(w >> 40));
        if (!with_spills) continue;
        const uint32_t f = xg_bkt_first(xg_bkt_hash_v4(static_cast<__be32>(w), len1 - 1), mask);
        if (f != b) spills_[f]++;
      }
    }
  } else {
    for (uint32_t b = 0; b < nbuckets_; b++) {
      for (int s = 0; s < slots(); s++) {
        if (Used(b, s)) count(SlotRefOf(b, s));
      }
    }
  }
  if (with_spills) EnsureSpillCounts();  // IPv6: a second pass (small tables)
  rule_index_.clear();
  loose_index_.clear();
  free_.clear();
  quarantine_.clear();
  for (uint32_t r = nrules_; r-- > 0;) {
    if (refcount_[r] > 0) {
      rule_index_.emplace(RuleBytes(rules_[r]), r);
      loose_index_.emplace(LooseBytes(rules_[r]), r);
    } else if (AllZero(&rules_[r], sizeof(xg_rule))) {
      free_.push_back(r);  // never used: no program can be reading it
    } else {
      quarantine_.push_back(r);  // freed by an earlier writer, maybe just now
    }
  }
}

BucketMap::Key BucketMap::DecodeKey(const void* key) const {
  Key k{};
  if (ipv4()) {
    xg_lpm_v4_key in;
    std::memcpy(&in, key, sizeof(in));
    k.len = in.prefixlen;
    k.addr[0] = in.addr;
  } else {
    xg_lpm_v6_key in;
    std::memcpy(&in, key, sizeof(in));
    k.len = in.prefixlen;
    std::memcpy(k.addr, in.addr, sizeof(k.addr));
  }
  return k;
}

void BucketMap::EncodeKey(const Key& k, void* out) const {
  if (ipv4()) {
    xg_lpm_v4_key v{k.len, k.addr[0]};
    std::memcpy(out, &v, sizeof(v));
  } else {
    xg_lpm_v6_key v{};
    v.prefixlen = k.len;
    std::memcpy(v.addr, k.addr, sizeof(v.addr));
    std::memcpy(out, &v, sizeof(v));
  }
}

uint64_t BucketMap::Hash(const Key& k) const {
  return ipv4() ? xg_bkt_hash_v4(k.addr[0], k.len) : xg_bkt_hash_v6(k.addr, k.len);
}

namespace {
xg_bucket_v4* B4(void* base, uint32_t b) { return static_cast<xg_bucket_v4*>(base) + b; }
xg_bucket_v6* B6(void* base, uint32_t b) { return static_cast<xg_bucket_v6*>(base) + b; }
}  // namespace

bool BucketMap::Used(uint32_t b, int s) const {
  if (ipv4()) return ((Load(&B4(buckets_, b)->slot[s]) >> 32) & 0x7f) != 0;
  return (Load(&B6(buckets_, b)->slot[s].tag) & 0xff) != 0;
}

BucketMap::Key BucketMap::SlotKey(uint32_t b, int s) const {
  Key k{};
  if (ipv4()) {
    uint64_t w = Load(&B4(buckets_, b)->slot[s]);
    k.addr[0] = static_cast<__be32>(w);
    k.len = static_cast<uint32_t>((w >> 32) & 0x7f) - 1;
  } else {
    // A reader in another process (a listing) may race a writer: read as the datapath
    // does, tag before and after the address, until they agree.
    const xg_slot_v6& slot = B6(buckets_, b)->slot[s];
    for (int attempt = 0; attempt < 100; attempt++) {
      const uint64_t tag = Load(&slot.tag);
      for (int i = 0; i < 4; i++) k.addr[i] = Load(&slot.addr[i]);
      k.len = static_cast<uint32_t>(tag & 0xff) - 1;
      if (((Load(&slot.tag) ^ tag) & ~(static_cast<uint64_t>(XG_BKT_REF_MASK) << 8)) == 0) break;
    }
  }
  return k;
}

uint32_t BucketMap::SlotRefOf(uint32_t b, int s) const {
  if (ipv4()) return static_cast<uint32_t>(Load(&B4(buckets_, b)->slot[s]) >> 40);
  return static_cast<uint32_t>(Load(&B6(buckets_, b)->slot[s].tag) >> 8) & XG_BKT_REF_MASK;
}

void BucketMap::WriteSlot(uint32_t b, int s, const Key& k, uint32_t ref) {
  if (ipv4()) {
    __u64* w = &B4(buckets_, b)->slot[s];
    uint64_t keep = s == 0 ? (Load(w) & XG_BKT_SPILLED_V4) : 0;
    Store(w, keep | xg_bkt_key_v4(k.addr[0], k.len) | static_cast<uint64_t>(ref) << 40);
    return;
  }
  // The slot is empty; its generation changed when it was cleared, so a reader that read
  // the previous key's tag sees a different one after reading this address.
  xg_slot_v6& slot = B6(buckets_, b)->slot[s];
  const uint64_t gen = Load(&slot.tag) & ~0xffffffffull;
  for (int i = 0; i < 4; i++) Store(&slot.addr[i], k.addr[i]);
  Store(&slot.tag, gen | static_cast<uint64_t>(ref) << 8 | (k.len + 1));
}

void BucketMap::SetSlotRef(uint32_t b, int s, uint32_t ref) {
  if (ipv4()) {
    __u64* w = &B4(buckets_, b)->slot[s];
    Store(w, (Load(w) & ((1ull << 40) - 1)) | static_cast<uint64_t>(ref) << 40);
    return;
  }
  __u64* tag = &B6(buckets_, b)->slot[s].tag;
  uint64_t t = Load(tag);
  Store(tag, (t & ~(static_cast<uint64_t>(XG_BKT_REF_MASK) << 8)) | static_cast<uint64_t>(ref) << 8);
}

void BucketMap::ClearSlot(uint32_t b, int s) {
  if (ipv4()) {
    __u64* w = &B4(buckets_, b)->slot[s];
    Store(w, s == 0 ? (Load(w) & XG_BKT_SPILLED_V4) : 0);
    return;
  }
  __u64* tag = &B6(buckets_, b)->slot[s].tag;
  Store(tag, ((Load(tag) >> 32) + 1) << 32);  // empty, next generation
}

bool BucketMap::Spilled(uint32_t b) const {
  if (ipv4()) return (Load(&B4(buckets_, b)->slot[0]) & XG_BKT_SPILLED_V4) != 0;
  return Load(&B6(buckets_, b)->spilled) != 0;
}

void BucketMap::SetSpilled(uint32_t b, bool spilled) {
  if (Spilled(b) == spilled) return;
  if (ipv4()) {
    __u64* w = &B4(buckets_, b)->slot[0];
    Store(w, spilled ? (Load(w) | XG_BKT_SPILLED_V4) : (Load(w) & ~XG_BKT_SPILLED_V4));
  } else {
    Store(&B6(buckets_, b)->spilled, static_cast<uint64_t>(spilled));
  }
}

size_t BucketMap::spilled_buckets() const {
  size_t n = 0;
  for (uint32_t b = 0; b < nbuckets_; b++) n += Spilled(b) ? 1 : 0;
  return n;
}

void BucketMap::EnsureSpillCounts() {
  if (!spills_.empty()) return;
  spills_.assign(nbuckets_, 0);
  const uint32_t mask = nbuckets_ - 1;
  if (ipv4()) {
    const auto* bk = static_cast<const xg_bucket_v4*>(buckets_);
    for (uint32_t b = 0; b < nbuckets_; b++) {
      for (int s = 0; s < XG_BKT_V4_SLOTS; s++) {
        const uint64_t w = Load(&bk[b].slot[s]);
        const uint32_t len1 = static_cast<uint32_t>(w >> 32) & 0x7f;
        if (len1 == 0) continue;
        const uint32_t f = xg_bkt_first(xg_bkt_hash_v4(static_cast<__be32>(w), len1 - 1), mask);
        if (f != b) spills_[f]++;
      }
    }
    return;
  }
  for (uint32_t b = 0; b < nbuckets_; b++) {
    for (int s = 0; s < slots(); s++) {
      if (!Used(b, s)) continue;
      const uint32_t f = xg_bkt_first(Hash(SlotKey(b, s)), mask);
      if (f != b) spills_[f]++;
    }
  }
}

// Before a key is written into its second bucket: probes of its first bucket go on there.
void BucketMap::AddSpill(uint32_t first) {
  EnsureSpillCounts();
  spills_[first]++;
  SetSpilled(first, true);
}

// After a key living in its second bucket was cleared from it: with the last such key of
// its first bucket, the mark goes and probes stop at the first bucket again.
void BucketMap::RemoveSpill(uint32_t first) {
  const bool fresh = spills_.empty();
  EnsureSpillCounts();  // when built now, the key is already gone from the counts
  if (!fresh && spills_[first] > 0) spills_[first]--;
  if (spills_[first] == 0) SetSpilled(first, false);
}

int BucketMap::FreeSlot(uint32_t b) const {
  for (int s = 0; s < slots(); s++)
    if (!Used(b, s)) return s;
  return -1;
}

std::pair<bool, BucketMap::SlotRef> BucketMap::Find(const Key& k) const {
  const uint64_t h = Hash(k);
  const uint32_t mask = nbuckets_ - 1;
  auto scan = [&](uint32_t b) -> int {
    for (int s = 0; s < slots(); s++) {
      if (!Used(b, s)) continue;
      Key other = SlotKey(b, s);
      if (other.len == k.len && std::memcmp(other.addr, k.addr, ipv4() ? 4 : 16) == 0) return s;
    }
    return -1;
  };
  uint32_t b = xg_bkt_first(h, mask);
  if (int s = scan(b); s >= 0) return {true, {b, s}};
  if (!Spilled(b)) return {false, {}};
  b = xg_bkt_second(h, mask);
  if (int s = scan(b); s >= 0) return {true, {b, s}};
  return {false, {}};
}

// A free slot in b1 or b2 after moving keys along a chain, each from its first bucket to
// its second (breadth-first, so chains stay short). Every move is copy-then-clear with the
// spilled mark set first, so the moved key is findable throughout.
bool BucketMap::MakeRoom(uint32_t b1, uint32_t b2, SlotRef* out) {
  struct Node {
    uint32_t bucket;
    int parent;  // index in nodes; -1 for b1 and b2
    int slot;    // the slot of the parent's bucket whose key moves into this bucket
  };
  constexpr size_t kMaxNodes = 1024;
  std::vector<Node> nodes = {{b1, -1, -1}, {b2, -1, -1}};
  auto seen = [&](uint32_t b) {
    return std::any_of(nodes.begin(), nodes.end(), [&](const Node& n) { return n.bucket == b; });
  };
  const uint32_t mask = nbuckets_ - 1;
  for (size_t i = 0; i < nodes.size() && nodes.size() < kMaxNodes; i++) {
    const uint32_t x = nodes[i].bucket;
    for (int s = 0; s < slots(); s++) {
      const uint64_t h = Hash(SlotKey(x, s));
      if (xg_bkt_first(h, mask) != x) continue;  // only keys in their first bucket move
      const uint32_t y = xg_bkt_second(h, mask);
      if (seen(y)) continue;
      nodes.push_back({y, static_cast<int>(i), s});
      if (FreeSlot(y) < 0) continue;
      // Execute the chain from its free end back to b1 or b2.
      int cur = static_cast<int>(nodes.size() - 1);
      while (nodes[cur].parent >= 0) {
        const Node& n = nodes[cur];
        const uint32_t from = nodes[n.parent].bucket;
        const Key k = SlotKey(from, n.slot);
        const uint32_t ref = SlotRefOf(from, n.slot);
        AddSpill(from);
        if (clear_first_moves_) {
          ClearSlot(from, n.slot);
          std::this_thread::sleep_for(std::chrono::microseconds(500));
        }
        WriteSlot(n.bucket, FreeSlot(n.bucket), k, ref);
        if (!clear_first_moves_) ClearSlot(from, n.slot);
        moves_++;
        cur = n.parent;
      }
      *out = {nodes[cur].bucket, FreeSlot(nodes[cur].bucket)};
      return true;
    }
  }
  return false;
}

absl::Status BucketMap::Insert(const Key& k, uint32_t ref) {
  // The capacity is a promise (inserts up to it find room), not the slot count.
  if (count_ >= max_entries())
    return absl::ResourceExhaustedError(absl::StrCat("map ", spec_.name, " is full (capacity ", max_entries(), ")"));
  const uint64_t h = Hash(k);
  const uint32_t mask = nbuckets_ - 1;
  const uint32_t b1 = xg_bkt_first(h, mask), b2 = xg_bkt_second(h, mask);
  SlotRef at{b1, FreeSlot(b1)};
  if (at.slot < 0) at = {b2, FreeSlot(b2)};
  if (at.slot < 0 && !MakeRoom(b1, b2, &at))
    return absl::ResourceExhaustedError(absl::StrCat("map ", spec_.name, " is full (capacity ", max_entries(),
                                                     "): no free slot near this prefix"));
  if (at.bucket != b1) AddSpill(b1);
  WriteSlot(at.bucket, at.slot, k, ref);
  count_++;
  return absl::OkStatus();
}

void BucketMap::Grace() {
  if (grace_) {
    grace_();
  } else {
    Membarrier();
  }
}

absl::StatusOr<uint32_t> BucketMap::Acquire(const xg_rule& rule) {
  std::string bytes = RuleBytes(rule);
  if (auto it = rule_index_.find(bytes); it != rule_index_.end()) {
    refcount_[it->second]++;
    return it->second;
  }
  // Past half the slots, entries whose rules differ only in creation time share one, so
  // rules that accumulate (a feed's refreshes, many `block add` with the same options)
  // never fill the array; only per-entry TTLs and options need slots of their own.
  if (rule_index_.size() >= nrules_ / 2) {
    if (auto it = loose_index_.find(LooseBytes(rule)); it != loose_index_.end()) {
      refcount_[it->second]++;
      return it->second;
    }
  }
  if (free_.empty() && !quarantine_.empty()) {
    Grace();  // no program still reads a rule freed before this point
    free_.swap(quarantine_);
  }
  if (free_.empty())
    return absl::ResourceExhaustedError(absl::StrCat("the rules of map ", spec_.name, " are full: ", nrules_,
                                                     " distinct rules (entries with identical options share one)"));
  uint32_t ref = free_.back();
  free_.pop_back();
  std::memcpy(&rules_[ref], &rule, sizeof(rule));  // published by the slot's release store
  rule_index_.emplace(std::move(bytes), ref);
  loose_index_.emplace(LooseBytes(rule), ref);
  refcount_[ref] = 1;
  return ref;
}

void BucketMap::Release(uint32_t ref) {
  if (spec_.allowlist || ref >= nrules_ || refcount_[ref] == 0) return;
  if (--refcount_[ref] > 0) return;
  rule_index_.erase(RuleBytes(rules_[ref]));
  if (auto it = loose_index_.find(LooseBytes(rules_[ref])); it != loose_index_.end() && it->second == ref)
    loose_index_.erase(it);
  quarantine_.push_back(ref);
}

absl::StatusOr<uint32_t> BucketMap::RefFor(const void* value) {
  if (spec_.allowlist) {
    xg_allow a;
    std::memcpy(&a, value, sizeof(a));
    return a.origin;
  }
  xg_rule r;
  std::memcpy(&r, value, sizeof(r));
  return Acquire(r);
}

void BucketMap::DecodeValue(const Key& k, uint32_t ref, void* out) const {
  if (spec_.allowlist) {
    xg_allow a{};
    a.origin = static_cast<__u16>(ref);
    a.prefixlen = static_cast<__u8>(k.len);
    std::memcpy(out, &a, sizeof(a));
    return;
  }
  if (ref < nrules_) {
    std::memcpy(out, &rules_[ref], sizeof(xg_rule));
  } else {
    std::memset(out, 0, sizeof(xg_rule));
  }
}

absl::StatusOr<bool> BucketMap::Lookup(const void* key, void* value) {
  Key k = DecodeKey(key);
  auto [found, at] = Find(k);
  if (!found) return false;
  DecodeValue(k, SlotRefOf(at.bucket, at.slot), value);
  return true;
}

absl::Status BucketMap::UpdateBatch(const void* keys, const void* values, uint32_t count, uint32_t* applied) {
  EnsureScanned(/*with_spills=*/true);
  const auto* kb = static_cast<const unsigned char*>(keys);
  const auto* vb = static_cast<const unsigned char*>(values);
  if (applied) *applied = 0;
  for (uint32_t i = 0; i < count; i++) {
    const Key k = DecodeKey(kb + static_cast<size_t>(i) * key_size());
    absl::StatusOr<uint32_t> ref = RefFor(vb + static_cast<size_t>(i) * value_size());
    if (!ref.ok()) return ref.status();
    auto [found, at] = Find(k);
    if (found) {
      const uint32_t old = SlotRefOf(at.bucket, at.slot);
      if (old != *ref) SetSlotRef(at.bucket, at.slot, *ref);
      Release(old);  // the new reference holds its own count (same rule: net zero)
    } else if (absl::Status s = Insert(k, *ref); !s.ok()) {
      Release(*ref);
      return s;
    }
    if (applied) *applied = i + 1;
  }
  return absl::OkStatus();
}

absl::Status BucketMap::DeleteBatch(const void* keys, uint32_t count, uint32_t* applied) {
  EnsureScanned(/*with_spills=*/true);
  const auto* kb = static_cast<const unsigned char*>(keys);
  if (applied) *applied = 0;
  for (uint32_t i = 0; i < count; i++) {
    auto [found, at] = Find(DecodeKey(kb + static_cast<size_t>(i) * key_size()));
    if (!found) return absl::NotFoundError(absl::StrCat("delete from map ", spec_.name, ": no such entry"));
    const uint32_t ref = SlotRefOf(at.bucket, at.slot);
    const uint32_t first = xg_bkt_first(Hash(SlotKey(at.bucket, at.slot)), nbuckets_ - 1);
    ClearSlot(at.bucket, at.slot);
    if (at.bucket != first) RemoveSpill(first);
    count_--;
    Release(ref);
    if (applied) *applied = i + 1;
  }
  return absl::OkStatus();
}

absl::Status BucketMap::ForEach(const std::function<void(const void* key, const void* value)>& visit) {
  unsigned char key[sizeof(xg_lpm_v6_key)];
  unsigned char value[sizeof(xg_rule)];
  for (uint32_t b = 0; b < nbuckets_; b++) {
    for (int s = 0; s < slots(); s++) {
      if (!Used(b, s)) continue;
      Key k = SlotKey(b, s);
      EncodeKey(k, key);
      DecodeValue(k, SlotRefOf(b, s), value);
      visit(key, value);
    }
  }
  return absl::OkStatus();
}

}  // namespace xdpguard::datapath
