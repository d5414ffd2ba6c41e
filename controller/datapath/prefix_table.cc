// SPDX-License-Identifier: GPL-2.0
#include "datapath/prefix_table.h"

#include <algorithm>
#include <cstring>
#include <random>
#include <type_traits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/radix_sort.h"
#include "datapath/keys.h"
#include "datapath/list_tables.h"
#include "spdlog/spdlog.h"
#include "xdpguard_maps.h"

namespace xdpguard::datapath {
namespace {

using net::Cidr;
using net::Family;

size_t KeySize(Family f) {
  return f == Family::kIPv4 ? sizeof(xg_lpm_v4_key) : sizeof(xg_lpm_v6_key);
}

void AppendKey(const Cidr& c, std::vector<char>* out) {
  size_t at = out->size();
  out->resize(at + KeySize(c.family));
  if (c.family == Family::kIPv4) {
    xg_lpm_v4_key k = V4Key(c);
    std::memcpy(out->data() + at, &k, sizeof(k));
  } else {
    xg_lpm_v6_key k = V6Key(c);
    std::memcpy(out->data() + at, &k, sizeof(k));
  }
}

// The maps are exact-match hashes, so a found key is the prefix itself; the value's
// recorded length must agree too (every controller write stamps it), so an entry written
// by other means without the stamp is not taken for the controller's.
template <typename V>
absl::StatusOr<bool> ExactLookup(MapBackend* m, const char* key, uint8_t prefixlen, V* value) {
  absl::StatusOr<bool> found = m->Lookup(key, value);
  if (!found.ok() || !*found) return found;
  return value->prefixlen == prefixlen;
}

template <typename T>
void AppendValue(const T& v, std::vector<char>* out) {
  const char* p = reinterpret_cast<const char*>(&v);
  out->insert(out->end(), p, p + sizeof(T));
}

// What a partial write changed, so it can be undone.
struct UndoLog {
  std::vector<char> added_keys;  // keys that did not exist: delete them
  uint32_t added = 0;
  std::vector<char> old_keys, old_values;  // keys that existed: write the old value back
  uint32_t overwritten = 0;
};

void Rollback(MapBackend* map, const UndoLog& undo) {
  uint32_t n = 0;
  absl::Status del = map->DeleteBatch(undo.added_keys.data(), undo.added, &n);
  absl::Status put = map->UpdateBatch(undo.old_keys.data(), undo.old_values.data(),
                                      undo.overwritten, &n);
  if (!del.ok() || !put.ok()) {
    // Nothing more we can do; say so loudly rather than pretend the state is clean.
    spdlog::error("rollback of {} incomplete: {} / {}", map->name(), del.ToString(),
                  put.ToString());
  }
}

// Writes of at least this many keys read a kernel map in one batched walk instead of
// looking up every key (a system call each). The lists' tables are read in place: there a
// lookup per key is cheaper than the walk's sort and search (a third of a 1M block load).
constexpr size_t kBulkPriorKeys = 65536;

// Entries packed and handed to the map per UpdateBatch call by a big write.
constexpr size_t kWriteChunk = 65536;

// The old value of each key about to be written, asked for in index order. Where a
// lookup is cheap (a memory read, or a small write) every key is looked up when asked, so
// nothing is held; otherwise one batched walk collects the old values first, as (index in
// the write, value) in index order: a node-based map of a million old values was 240 MB
// when a list was loaded again, and even this compact copy is 64 MB that a table read in
// place does not need.
template <typename V>
class PriorState {
 public:
  static absl::StatusOr<PriorState> Read(MapBackend* m, const std::vector<char>& keys, size_t ks) {
    PriorState prior(m, keys, ks);
    const size_t n = keys.size() / ks;
    if (n < kBulkPriorKeys || m->lookups_in_memory()) return prior;
    prior.walked_ = true;
    // The write's keys in byte order, searched for every key the walk visits.
    std::vector<uint32_t> order(n);
    for (size_t i = 0; i < n; i++) order[i] = static_cast<uint32_t>(i);
    auto key_at = [&](uint32_t i) { return keys.data() + size_t{i} * ks; };
    std::sort(order.begin(), order.end(),
              [&](uint32_t a, uint32_t b) { return std::memcmp(key_at(a), key_at(b), ks) < 0; });
    absl::Status st = m->ForEach([&](const void* k, const void* v) {
      auto it = std::lower_bound(order.begin(), order.end(), k, [&](uint32_t i, const void* key) {
        return std::memcmp(key_at(i), key, ks) < 0;
      });
      if (it == order.end() || std::memcmp(key_at(*it), k, ks) != 0) return;
      V old;
      std::memcpy(&old, v, sizeof(V));
      prior.values_.emplace_back(*it, old);
    });
    if (!st.ok()) return st;
    std::sort(prior.values_.begin(), prior.values_.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    return prior;
  }

  // Whether key i existed before the write, and then its value in *old. i must not
  // decrease from one call to the next.
  absl::StatusOr<bool> Find(size_t i, V* old) {
    if (!walked_) return map_->Lookup(keys_->data() + i * ks_, old);
    while (next_ < values_.size() && values_[next_].first < i) next_++;
    if (next_ == values_.size() || values_[next_].first != i) return false;
    *old = values_[next_].second;
    return true;
  }

 private:
  PriorState(MapBackend* m, const std::vector<char>& keys, size_t ks)
      : map_(m), keys_(&keys), ks_(ks) {}
  MapBackend* map_;
  const std::vector<char>* keys_;
  size_t ks_;
  bool walked_ = false;
  std::vector<std::pair<uint32_t, V>> values_;  // walked: (index in the write, old value)
  size_t next_ = 0;                              // the first entry whose index is not below i
};

// Stores a fresh random list generation. Random rather than incremented: two controllers
// writing at once could both read n and store n + 1, and the second write's new entries
// would then hide behind cache slots tagged n + 1 by the first; two fresh random values
// differ (but for a 2^-64 chance), so the last store always follows the last write.
absl::Status RenewGeneration(MapBackend* generation) {
  if (!generation) return absl::OkStatus();
  std::random_device random;
  uint64_t value = 0;
  while (value == 0) value = (uint64_t{random()} << 32) | random();
  const uint32_t key = 0;
  uint32_t n = 0;
  absl::Status st = generation->UpdateBatch(&key, &value, 1, &n);
  if (st.ok()) return st;
  return absl::Status(st.code(), absl::StrCat(
      "the list was written, but the datapath's verdict cache could not be invalidated (",
      st.message(), "): sources seen before may keep their old verdict until the next "
      "successful list change"));
}

// Runs a write and then renews the generation, even after a failed write (it may have
// changed entries before failing, or rolled them back). The write's error wins.
absl::Status WithRenewal(MapBackend* generation, absl::Status write) {
  absl::Status renew = RenewGeneration(generation);
  return write.ok() ? renew : write;
}

}  // namespace

template <typename V>
absl::StatusOr<uint64_t> PrefixTable<V>::Generation() const {
  if (!generation_) return 0;
  const uint32_t key = 0;
  uint64_t value = 0;
  absl::StatusOr<bool> found = generation_->Lookup(&key, &value);
  if (!found.ok()) return found.status();
  return *found ? value : 0;
}

// The list the masks of value type V describe.
template <typename V>
constexpr ListKind KindOf() {
  return std::is_same_v<V, xg_rule> ? ListKind::kBlock : ListKind::kAllow;
}

template <typename V>
absl::StatusOr<PrefixTable<V>> PrefixTable<V>::Create(MapBackend* v4, MapBackend* v6,
                                                      LengthMasks* masks,
                                                      MapBackend* generation) {
  if (!masks) return absl::InvalidArgumentError("a prefix table needs its length masks");
  for (auto [m, ks] : {std::pair{v4, sizeof(xg_lpm_v4_key)}, std::pair{v6, sizeof(xg_lpm_v6_key)}}) {
    if (m->key_size() != ks || m->value_size() != sizeof(V)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "map ", m->name(), " has key/value size ", m->key_size(), "/", m->value_size(),
          ", this build expects ", ks, "/", sizeof(V),
          ": it was created by a different xdpguard version (detach without --keep-maps, "
          "then attach again)"));
    }
  }
  if (generation && (generation->key_size() != sizeof(uint32_t) ||
                     generation->value_size() != sizeof(uint64_t))) {
    return absl::FailedPreconditionError(absl::StrCat(
        "map ", generation->name(), " has key/value size ", generation->key_size(), "/",
        generation->value_size(), ", this build expects 4/8"));
  }
  return PrefixTable(v4, v6, masks, generation);
}

template <typename V>
absl::StatusOr<std::vector<typename PrefixTable<V>::Entry>> PrefixTable<V>::List() const {
  std::vector<Entry> out;
  // Reserved up front: growing a vector of a million 80-byte entries copied it ~20 times
  // over and page-faulted its way through, a third of a `block list` of 1M. (Only where
  // counting is a memory read: on a kernel map it is a walk of every key.)
  size_t expected = 0;
  for (MapBackend* m : {v4_, v6_})
    if (absl::StatusOr<uint32_t> c = m->lookups_in_memory() ? m->Count() : 0u; c.ok())
      expected += *c;
  out.reserve(expected);
  absl::Status s4 = v4_->ForEach([&](const void* k, const void* v) {
    Entry e{FromV4Key(*static_cast<const xg_lpm_v4_key*>(k)), {}};
    std::memcpy(&e.value, v, sizeof(V));
    out.push_back(e);
  });
  if (!s4.ok()) return s4;
  absl::Status s6 = v6_->ForEach([&](const void* k, const void* v) {
    Entry e{FromV6Key(*static_cast<const xg_lpm_v6_key*>(k)), {}};
    std::memcpy(&e.value, v, sizeof(V));
    out.push_back(e);
  });
  if (!s6.ok()) return s6;
  return out;
}

template <typename V>
absl::StatusOr<typename PrefixTable<V>::Sorted> PrefixTable<V>::ListSorted() const {
  Sorted out;
  absl::flat_hash_map<std::string, uint32_t> index;  // value bytes -> values_ index
  uint32_t last = 0;
  auto intern = [&](const void* v) -> uint32_t {
    // Neighbours in a table often share a value: one compare, no hashing.
    if (last < out.values_.size() && std::memcmp(&out.values_[last], v, sizeof(V)) == 0) return last;
    absl::string_view bytes(static_cast<const char*>(v), sizeof(V));
    auto it = index.find(bytes);
    if (it == index.end()) {
      it = index.emplace(std::string(bytes), static_cast<uint32_t>(out.values_.size())).first;
      out.values_.emplace_back();
      std::memcpy(&out.values_.back(), v, sizeof(V));
    }
    return last = it->second;
  };
  if (v4_->lookups_in_memory())  // a count is a memory read only there (as in List)
    if (absl::StatusOr<uint32_t> c = v4_->Count(); c.ok()) out.v4_.reserve(*c);
  absl::Status s4 = v4_->ForEach([&](const void* k, const void* v) {
    const net::Cidr cidr = FromV4Key(*static_cast<const xg_lpm_v4_key*>(k));
    out.v4_.emplace_back(net::V4SortKey(cidr), intern(v));
  });
  if (!s4.ok()) return s4;
  absl::Status s6 = v6_->ForEach([&](const void* k, const void* v) {
    out.v6_.emplace_back(FromV6Key(*static_cast<const xg_lpm_v6_key*>(k)), intern(v));
  });
  if (!s6.ok()) return s6;
  RadixSortKey40(&out.v4_, [](const std::pair<uint64_t, uint32_t>& e) { return e.first; });
  std::sort(out.v6_.begin(), out.v6_.end());
  return out;
}

template <typename V>
absl::Status PrefixTable<V>::CompactMasks() {
  std::vector<Cidr> present;
  for (MapBackend* m : {v4_, v6_}) {
    absl::Status st = m->ForEach([&](const void* k, const void*) {
      present.push_back(m == v4_ ? FromV4Key(*static_cast<const xg_lpm_v4_key*>(k))
                                 : FromV6Key(*static_cast<const xg_lpm_v6_key*>(k)));
    });
    if (!st.ok()) return st;
  }
  masks_->Rebuild(KindOf<V>(), present);
  return absl::OkStatus();
}

template <typename V>
absl::StatusOr<std::optional<V>> PrefixTable<V>::Get(const Cidr& cidr) const {
  std::vector<char> key;
  AppendKey(cidr, &key);
  V value{};
  absl::StatusOr<bool> found = ExactLookup(map(cidr.family), key.data(), cidr.prefixlen, &value);
  if (!found.ok()) return found.status();
  if (!*found) return std::optional<V>();
  return std::optional<V>(value);
}

template <typename V>
absl::StatusOr<uint32_t> PrefixTable<V>::Count(Family family) const {
  return map(family)->Count();
}

template <typename V>
absl::Status PrefixTable<V>::Upsert(const std::vector<Entry>& entries) {
  return UpsertUnless(entries, nullptr, nullptr);
}

template <typename V>
absl::Status PrefixTable<V>::UpsertUnless(const std::vector<Entry>& entries,
                                          const std::function<bool(const V&)>& keep,
                                          std::vector<net::Cidr>* kept) {
  return WithRenewal(generation_, UpsertMaps(entries, keep, kept));
}

template <typename V>
absl::Status PrefixTable<V>::Delete(const std::vector<Cidr>& cidrs) {
  return WithRenewal(generation_, DeleteMaps(cidrs));
}

template <typename V>
absl::StatusOr<size_t> PrefixTable<V>::DeleteWhere(const std::vector<Cidr>& cidrs,
                                                   const std::function<bool(const V&)>& pred) {
  absl::StatusOr<size_t> deleted = DeleteWhereMaps(cidrs, pred);
  absl::Status renew = WithRenewal(generation_, deleted.status());
  if (!renew.ok()) return renew;
  return deleted;
}

template <typename V>
absl::Status PrefixTable<V>::UpsertMaps(const std::vector<Entry>& entries,
                                        const std::function<bool(const V&)>& keep,
                                        std::vector<net::Cidr>* kept) {
  std::vector<const Entry*> by_family[2];
  for (const Entry& e : entries) by_family[e.cidr.family == Family::kIPv4 ? 0 : 1].push_back(&e);

  const Family families[2] = {Family::kIPv4, Family::kIPv6};
  UndoLog v4_undo;  // kept so a failure in the IPv6 half also undoes the IPv4 half
  for (int f = 0; f < 2; f++) {
    if (by_family[f].empty()) continue;
    MapBackend* m = map(families[f]);
    const size_t ks = KeySize(families[f]);
    std::vector<char> keys;
    keys.reserve(by_family[f].size() * ks);
    for (const Entry* e : by_family[f]) AppendKey(e->cidr, &keys);
    // The prior state of every key: a lookup each for small writes and in-memory tables;
    // one batched walk of the map for big writes to kernel maps (a million lookup system
    // calls cost more than a second).
    absl::StatusOr<PriorState<V>> prior = PriorState<V>::Read(m, keys, ks);
    if (!prior.ok()) {
      if (f == 1) Rollback(v4_, v4_undo);
      return prior.status();
    }
    // The undo log is filled before anything is written, old values packed straight from
    // the prior state; a partial write applies a prefix of `written`, so its undo is a
    // prefix of each of the log's lists, counted after the writes.
    UndoLog undo;
    std::vector<char> written_keys;
    written_keys.reserve(keys.size());
    std::vector<uint32_t> written;  // index in by_family[f] of each written entry
    written.reserve(by_family[f].size());
    std::vector<bool> existed;  // of each written entry
    existed.reserve(by_family[f].size());
    for (size_t i = 0; i < by_family[f].size(); i++) {
      const char* key = keys.data() + i * ks;
      V old{};
      absl::StatusOr<bool> found = prior->Find(i, &old);
      if (!found.ok()) {
        if (f == 1) Rollback(v4_, v4_undo);
        return found.status();
      }
      if (*found && keep && keep(old)) {
        if (kept) kept->push_back(by_family[f][i]->cidr);
        continue;
      }
      written_keys.insert(written_keys.end(), key, key + ks);
      written.push_back(static_cast<uint32_t>(i));
      existed.push_back(*found);
      if (*found) {
        undo.old_keys.insert(undo.old_keys.end(), key, key + ks);
        AppendValue(old, &undo.old_values);
      } else {
        undo.added_keys.insert(undo.added_keys.end(), key, key + ks);
      }
    }
    const uint32_t new_total = static_cast<uint32_t>(undo.added_keys.size() / ks);
    prior = absl::StatusOr<PriorState<V>>();  // the walked copy, if any, no longer needed
    keys.swap(written_keys);
    std::vector<char>().swap(written_keys);  // the unfiltered keys, no longer needed
    // Lengths first: the datapath never sees an entry whose length it would not probe.
    for (const Entry* e : by_family[f]) masks_->Mark(KindOf<V>(), e->cidr);
    // Values are packed and written a chunk at a time: one packed copy of a million values
    // was the biggest block of a 1M load's peak memory.
    absl::Status st;
    std::vector<char> values;
    for (size_t start = 0; start < written.size() && st.ok(); start += kWriteChunk) {
      const size_t n = std::min(kWriteChunk, written.size() - start);
      values.clear();
      for (size_t i = start; i < start + n; i++) {
        const Entry& e = *by_family[f][written[i]];
        V value = e.value;
        value.prefixlen = e.cidr.prefixlen;  // read by ExactLookup and the datapath
        AppendValue(value, &values);
      }
      uint32_t applied = 0;
      st = m->UpdateBatch(keys.data() + start * ks, values.data(), static_cast<uint32_t>(n),
                          &applied);
      for (size_t i = start; i < start + std::min<size_t>(applied, n); i++)
        (existed[i] ? undo.overwritten : undo.added)++;
    }
    if (st.ok()) {
      if (f == 0) v4_undo = std::move(undo);
      continue;
    }
    Rollback(m, undo);
    if (f == 1) Rollback(v4_, v4_undo);
    if (absl::IsResourceExhausted(st)) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "map ", m->name(), " is full (capacity ", m->max_entries(), "): ",
          new_total - undo.added, " of ", new_total,
          " new entries did not fit; nothing was applied. Remove entries, or give the table "
          "room without a gap: xdpguard resize ", SizeFlagOf(m->name()),
          " N, N the entries it must hold (", st.message(), ")"));
    }
    return absl::Status(st.code(), absl::StrCat(st.message(), "; nothing was applied"));
  }
  return absl::OkStatus();
}

template <typename V>
absl::Status PrefixTable<V>::DeleteMaps(const std::vector<Cidr>& cidrs) {
  struct Removed {
    Family family;
    std::vector<char> key;
    V value;
  };
  std::vector<Removed> removed;
  // Check every key exists first so a typo deletes nothing.
  for (const Cidr& c : cidrs) {
    Removed r{c.family, {}, {}};
    AppendKey(c, &r.key);
    absl::StatusOr<bool> found = ExactLookup(map(c.family), r.key.data(), c.prefixlen, &r.value);
    if (!found.ok()) return found.status();
    if (!*found)
      return absl::NotFoundError(absl::StrCat(c.ToString(), " is not in ",
                                              map(c.family)->name(), "; nothing was deleted"));
    removed.push_back(std::move(r));
  }
  for (size_t i = 0; i < removed.size(); i++) {
    uint32_t n = 0;
    absl::Status st = map(removed[i].family)->DeleteBatch(removed[i].key.data(), 1, &n);
    if (!st.ok()) {
      for (size_t j = 0; j < i; j++)
        (void)map(removed[j].family)->UpdateBatch(removed[j].key.data(), &removed[j].value, 1, &n);
      return absl::Status(st.code(), absl::StrCat(st.message(), "; nothing was deleted"));
    }
  }
  return absl::OkStatus();
}

template <typename V>
absl::StatusOr<size_t> PrefixTable<V>::DeleteWhereMaps(const std::vector<Cidr>& cidrs,
                                                       const std::function<bool(const V&)>& pred) {
  size_t deleted = 0;
  std::vector<char> key;
  for (const Cidr& c : cidrs) {
    key.clear();
    AppendKey(c, &key);
    V value{};
    absl::StatusOr<bool> found = ExactLookup(map(c.family), key.data(), c.prefixlen, &value);
    if (!found.ok()) return found.status();
    if (!*found || !pred(value)) continue;
    uint32_t n = 0;
    absl::Status st = map(c.family)->DeleteBatch(key.data(), 1, &n);
    if (absl::IsNotFound(st)) continue;  // removed concurrently: the goal is met
    if (!st.ok()) return st;
    deleted++;
  }
  return deleted;
}

template class PrefixTable<xg_rule>;
template class PrefixTable<xg_allow>;

}  // namespace xdpguard::datapath
