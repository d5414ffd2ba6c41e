// SPDX-License-Identifier: GPL-2.0
#include "datapath/resize.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/unique_fd.h"
#include "datapath/attach.h"
#include "datapath/bucket_map.h"
#include "datapath/length_masks.h"
#include "datapath/list_tables.h"
#include "datapath/pinned_maps.h"
#include "datapath/prefix_table.h"
#include "datapath/program_pins.h"
#include "datapath/xdp_query.h"

namespace xdpguard::datapath {
namespace {

// The size of a list table in MapSizes.
uint32_t& SizeOf(MapSizes& s, const std::string& name) {
  if (name == XG_MAP_BLOCK_V4) return s.block_v4;
  if (name == XG_MAP_BLOCK_V6) return s.block_v6;
  if (name == XG_MAP_ALLOW_V4) return s.allow_v4;
  return s.allow_v6;
}

// Where a new map waits for its turn: pinned beside the old one, then renamed over it
// (bpffs refuses dots in names).
std::string WaitingPin(const std::string& pin_dir, const std::string& name) {
  return absl::StrCat(pin_dir, "/", name, "_new");
}

// One interface running our program, with the fd the kernel's replace check needs.
struct Running {
  InterfaceXdpState state;
  UniqueFd old_fd;
  int new_fd = -1;
};

// Copies the entries of the families being resized (none: nothing to do) from the pinned
// list into the new object's tables v4 and v6 (a family not resized names its pinned
// table there, which is left alone).
template <typename V>
absl::Status CopyEntries(const PrefixTable<V>& from, BucketMap* v4, BucketMap* v6, LengthMasks* masks,
                         MapBackend* generation, const std::set<net::Family>& families, const char* what) {
  if (families.empty()) return absl::OkStatus();
  absl::StatusOr<PrefixTable<V>> to = PrefixTable<V>::Create(v4, v6, masks, generation);
  if (!to.ok()) return to.status();
  absl::StatusOr<std::vector<typename PrefixTable<V>::Entry>> entries = from.List();
  if (!entries.ok()) return entries.status();
  std::vector<typename PrefixTable<V>::Entry> wanted;
  wanted.reserve(entries->size());
  for (auto& e : *entries)
    if (families.count(e.cidr.family)) wanted.push_back(std::move(e));
  entries->clear();
  entries->shrink_to_fit();
  if (absl::Status s = to->Upsert(wanted); !s.ok())
    return absl::Status(s.code(), absl::StrCat("copy the ", what, ": ", s.message(), "; nothing was changed"));
  return absl::OkStatus();
}

void RemoveWaitingPins(const std::string& pin_dir, const std::set<std::string>& names) {
  for (const std::string& name : names) (void)unlink(WaitingPin(pin_dir, name).c_str());
}

// The new programs' pins (ours is recognised by its pin: the service's interface watch
// must never see the new program on an interface without one, or it would call it foreign).
absl::Status PinNewPrograms(const std::vector<Running>& running, const std::string& pin_dir) {
  for (const Running& r : running)
    if (absl::Status s = PinProgram(r.new_fd, pin_dir); !s.ok()) return s;
  return absl::OkStatus();
}

void UnpinNewPrograms(const std::vector<Running>& running, const std::string& pin_dir) {
  for (const Running& r : running) (void)UnpinProgram(pin_dir, ProgramId(r.new_fd));
}

}  // namespace

absl::StatusOr<ResizeOutcome> ResizeLists(const std::string& pin_dir, const MapSizes& sizes) {
  if (sizes.rule_stats || sizes.buckets || sizes.flows)
    return absl::InvalidArgumentError("only the list tables can be resized while attached");
  absl::StatusOr<std::unique_ptr<PinnedMaps>> pinned = PinnedMaps::Open(pin_dir);
  if (!pinned.ok()) return pinned.status();

  // Every interface must allow an atomic swap, and we need our program's fd on each.
  absl::StatusOr<std::vector<InterfaceXdpState>> found = FindOurInterfaces(pin_dir);
  if (!found.ok()) return found.status();
  std::vector<Running> running;
  for (InterfaceXdpState& st : *found) {
    if (st.multiprog)
      return absl::FailedPreconditionError(absl::StrCat(
          "xdpguard runs inside libxdp's dispatcher on ", st.ifname,
          "; libxdp 1.3 cannot swap one component atomically, so the tables cannot be "
          "resized without a gap. Nothing was changed"));
    absl::StatusOr<UniqueFd> fd = OpenProgram(pin_dir, st.Ours()->id);
    if (!fd.ok()) return fd.status();
    running.push_back({std::move(st), std::move(*fd), -1});
  }

  // The plan: which tables change, checked against what they hold now.
  ResizeOutcome out;
  MapSizes object_sizes;
  std::set<std::string> fresh;
  std::set<net::Family> block_families, allow_families;
  MapSizes asked_sizes = sizes;
  for (const ListTableSpec& t : ListTableSpecs()) {
    const uint32_t asked = SizeOf(asked_sizes, t.name);
    if (!asked) continue;
    MapBackend* table = (*pinned)->entries(t.name);
    const uint32_t new_capacity = EntryCapacity(t.family, BucketsForEntries(t.family, asked));
    if (new_capacity == table->max_entries()) continue;
    absl::StatusOr<uint32_t> count = table->Count();
    if (!count.ok()) return count.status();
    if (*count > new_capacity)
      return absl::FailedPreconditionError(absl::StrCat(
          t.name, " holds ", *count, " entries; a capacity of ", new_capacity, " (for ", asked,
          " asked) cannot hold them. Nothing was changed"));
    out.tables.push_back({t.name, *count, table->max_entries(), new_capacity});
    fresh.insert(t.name);
    if (t.rules) fresh.insert(t.rules);
    (t.rules ? block_families : allow_families).insert(t.family);
    SizeOf(object_sizes, t.name) = asked;
  }
  if (out.tables.empty()) return out;

  // The new tables come with the first program variant needed; a second variant (jumbo
  // interfaces run the frags program) shares them by fd.
  const bool first_frags = !running.empty() && running.front().state.frags;
  ObjectOptions first_options{pin_dir, object_sizes, first_frags};
  first_options.fresh_maps = fresh;
  absl::StatusOr<std::unique_ptr<DatapathObject>> first = DatapathObject::Open(first_options);
  if (!first.ok()) return first.status();
  if (absl::Status s = (*first)->Load(); !s.ok()) return s;
  DatapathObject* first_obj = first->get();

  // Fill them. The masks and the generation are the pinned ones (shared by the object):
  // the entries are the same, so their lengths are already marked.
  absl::StatusOr<std::unique_ptr<ListTables>> tables =
      ListTables::Open([first_obj](const char* name) { return first_obj->map_fd(name); });
  if (!tables.ok()) return tables.status();
  absl::StatusOr<std::unique_ptr<LengthMasks>> masks = LengthMasks::MapArrays(
      {first_obj->map_fd(XG_MAP_LENS_V4), first_obj->map_fd(XG_MAP_LENS_V6),
       first_obj->map_fd(XG_MAP_LSUM_V4), first_obj->map_fd(XG_MAP_LSUM_V6)});
  if (!masks.ok()) return masks.status();
  MapBackend* generation = (*pinned)->map(XG_MAP_LIST_GEN);
  if (absl::Status s = CopyEntries((*pinned)->Blocklist(), (*tables)->block_v4(), (*tables)->block_v6(),
                                   masks->get(), generation, block_families, "blocklist");
      !s.ok())
    return s;
  if (absl::Status s = CopyEntries((*pinned)->Allowlist(), (*tables)->allow_v4(), (*tables)->allow_v6(),
                                   masks->get(), generation, allow_families, "allowlist");
      !s.ok())
    return s;
  for (const ResizedTable& r : out.tables) {
    absl::StatusOr<uint32_t> n = (*tables)->table(r.name)->Count();
    if (!n.ok()) return n.status();
    if (*n != r.entries)
      return absl::InternalError(absl::StrCat("the new ", r.name, " holds ", *n, " entries after the copy, the old one ",
                                              r.entries, "; nothing was changed"));
  }

  std::unique_ptr<DatapathObject> second;
  for (Running& r : running) {
    if (r.state.frags == first_frags) {
      r.new_fd = bpf_program__fd(first_obj->program());
      continue;
    }
    if (!second) {
      ObjectOptions o{pin_dir, {}, r.state.frags};
      for (const std::string& name : fresh) o.reuse_fds[name] = first_obj->map_fd(name.c_str());
      absl::StatusOr<std::unique_ptr<DatapathObject>> obj = DatapathObject::Open(o);
      if (!obj.ok()) return obj.status();
      if (absl::Status s = (*obj)->Load(); !s.ok()) return s;
      second = std::move(*obj);
    }
    r.new_fd = bpf_program__fd(second->program());
  }

  // Pinned beside the old maps first, so that nothing can fail between the swap and the
  // rename that makes the new maps the ones every verb and the service open.
  for (const std::string& name : fresh) {
    const std::string path = WaitingPin(pin_dir, name);
    (void)unlink(path.c_str());  // left by an interrupted resize
    if (bpf_obj_pin(first_obj->map_fd(name.c_str()), path.c_str()) != 0) {
      absl::Status s = ErrnoToStatus(errno, absl::StrCat("pin the new ", name, " at ", path));
      RemoveWaitingPins(pin_dir, fresh);
      return s;
    }
  }
  if (absl::Status s = PinNewPrograms(running, pin_dir); !s.ok()) {
    UnpinNewPrograms(running, pin_dir);
    RemoveWaitingPins(pin_dir, fresh);
    return s;
  }
  for (size_t i = 0; i < running.size(); i++) {
    Running& r = running[i];
    absl::Status s = SwapProgram(r.state, r.old_fd.get(), r.new_fd);
    if (s.ok()) {
      out.interfaces.push_back(r.state.ifname);
      continue;
    }
    // Undo: the interfaces already swapped go back to the old program and tables.
    std::string undo;
    for (size_t j = 0; j < i; j++) {
      absl::Status back = SwapProgram(running[j].state, running[j].new_fd, running[j].old_fd.get());
      if (!back.ok())
        undo = absl::StrCat(undo, "; could not put the old program back on ", running[j].state.ifname, ": ",
                            back.message(), " (it enforces the same list; attach --replace to rebind it)");
    }
    if (!undo.empty())  // an interface still runs the new program: keep its pins
      return absl::Status(s.code(), absl::StrCat(s.message(), undo));
    UnpinNewPrograms(running, pin_dir);
    RemoveWaitingPins(pin_dir, fresh);
    return absl::Status(s.code(), absl::StrCat(s.message(), "; the resize was undone"));
  }
  for (const std::string& name : fresh) {
    const std::string path = absl::StrCat(pin_dir, "/", name);
    if (rename(WaitingPin(pin_dir, name).c_str(), path.c_str()) != 0)
      return ErrnoToStatus(errno, absl::StrCat("move the new ", name, " to ", path,
                                               " after the programs were swapped: the CLI and the service now "
                                               "write a table the datapath no longer reads. Run 'xdpguard attach "
                                               "IFACE --replace' on every interface to rebind the pinned maps"));
  }
  for (Running& r : running) (void)UnpinProgram(pin_dir, r.state.Ours()->id);
  if (absl::Status s = first_obj->FinishPinning(); !s.ok()) return s;
  return out;
}

}  // namespace xdpguard::datapath
