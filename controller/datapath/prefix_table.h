// SPDX-License-Identifier: GPL-2.0
// PrefixTable: the controller's one interface to a pair of prefix maps (IPv4 + IPv6) with
// value type V (xg_rule for the blocklist, xg_allow for the allowlist). Writes are
// all-or-nothing: a batch that the kernel refuses part-way (map full, ENOMEM) is rolled
// back, and a full map is reported naming the map and how many entries did not fit.
// Every write ends by storing a fresh list generation (when a generation map is given),
// which invalidates the datapath's per-CPU verdict cache (struct xg_verdict_slot).
// The maps are exact-match hashes keyed by (prefix length, address), read by the datapath
// through the per-region length masks (length_masks.h): every write marks its lengths
// there before the entries themselves are written.
#ifndef XDPGUARD_DATAPATH_PREFIX_TABLE_H_
#define XDPGUARD_DATAPATH_PREFIX_TABLE_H_

#include <functional>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "datapath/length_masks.h"
#include "datapath/map_backend.h"
#include "net/cidr.h"

namespace xdpguard::datapath {

template <typename V>
class PrefixTable {
 public:
  struct Entry {
    net::Cidr cidr;
    V value;
  };

  // Checks once that the maps' key and value sizes match this build's contract.
  // masks: the length masks the datapath reads (required: an entry whose length is not
  // marked is invisible). generation: the one-entry xg_list_gen array, or null where no
  // datapath reads the maps through the verdict cache (unit tests).
  static absl::StatusOr<PrefixTable> Create(MapBackend* v4, MapBackend* v6, LengthMasks* masks,
                                            MapBackend* generation = nullptr);

  absl::StatusOr<std::vector<Entry>> List() const;
  // Every entry in net::Cidr order (IPv4 first, then address, then length), compactly:
  // entries with equal values share one copy (a list of a million usually holds a few
  // distinct values). For listings: sorting and reading back a million 80-byte entries in
  // the tables' hash order cost most of the time of `block list`.
  class Sorted {
   public:
    size_t size() const { return v4_.size() + v6_.size(); }
    // Calls visit(const net::Cidr&, const V&) for each entry, in order.
    template <typename F>
    void Visit(F&& visit) const {
      for (const auto& [key, value] : v4_) visit(net::FromV4SortKey(key), values_[value]);
      for (const auto& [cidr, value] : v6_) visit(cidr, values_[value]);
    }

   private:
    friend class PrefixTable;
    std::vector<V> values_;                          // distinct values
    std::vector<std::pair<uint64_t, uint32_t>> v4_;  // (net::V4SortKey, value index)
    std::vector<std::pair<net::Cidr, uint32_t>> v6_;
  };
  absl::StatusOr<Sorted> ListSorted() const;
  absl::StatusOr<std::optional<V>> Get(const net::Cidr& cidr) const;
  absl::StatusOr<uint32_t> Count(net::Family family) const;
  std::string Identity() const { return v4_->identity() + "," + v6_->identity(); }
  // The list generation (renewed by every write to any list, by any process): equal
  // values mean nobody wrote a list in between. 0 when there is none to read.
  absl::StatusOr<uint64_t> Generation() const;
  // Clears length-mask bits that no entry needs any more (a scan of the whole list).
  // Only while holding the writers' lock.
  absl::Status CompactMasks();

  // Inserts or overwrites entries (cidrs must be unique). All or nothing.
  absl::Status Upsert(const std::vector<Entry>& entries);
  // Upsert, except that an entry whose exact prefix already holds a value for which
  // keep(value) is true is left as it is and its prefix appended to *kept (the feed
  // engine never overwrites the operator's manual entries).
  absl::Status UpsertUnless(const std::vector<Entry>& entries,
                            const std::function<bool(const V&)>& keep,
                            std::vector<net::Cidr>* kept);
  // Deletes cidrs; NotFound (and nothing deleted) if any is absent. All or nothing.
  absl::Status Delete(const std::vector<net::Cidr>& cidrs);
  // Deletes the cidrs that are present with a value matching pred; absent ones and
  // non-matching ones are skipped. Stops at the first kernel error (what was deleted
  // stays deleted: callers use it only for entries that must go anyway).
  absl::StatusOr<size_t> DeleteWhere(const std::vector<net::Cidr>& cidrs,
                                     const std::function<bool(const V&)>& pred);

 private:
  PrefixTable(MapBackend* v4, MapBackend* v6, LengthMasks* masks, MapBackend* generation)
      : v4_(v4), v6_(v6), masks_(masks), generation_(generation) {}
  MapBackend* map(net::Family f) const { return f == net::Family::kIPv4 ? v4_ : v6_; }

  // The write paths, before the generation is renewed.
  absl::Status UpsertMaps(const std::vector<Entry>& entries,
                          const std::function<bool(const V&)>& keep, std::vector<net::Cidr>* kept);
  absl::Status DeleteMaps(const std::vector<net::Cidr>& cidrs);
  absl::StatusOr<size_t> DeleteWhereMaps(const std::vector<net::Cidr>& cidrs,
                                         const std::function<bool(const V&)>& pred);

  MapBackend* v4_;
  MapBackend* v6_;
  LengthMasks* masks_;
  MapBackend* generation_;
};

}  // namespace xdpguard::datapath

#endif  // XDPGUARD_DATAPATH_PREFIX_TABLE_H_
