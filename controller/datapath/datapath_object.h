// SPDX-License-Identifier: GPL-2.0
// Owner of the embedded XDP object (bpftool skeleton). Opening it sets map sizes and pin
// paths; before anything is loaded it compares every already-pinned map with this build's
// definition (type, key/value size, flags, ABI version) and refuses an incompatible one
// with a clear message, instead of letting libbpf fail or, worse, reuse it.
#ifndef XDPGUARD_DATAPATH_DATAPATH_OBJECT_H_
#define XDPGUARD_DATAPATH_DATAPATH_OBJECT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

struct bpf_object;
struct bpf_program;
struct xdpguard_bpf;

namespace xdpguard::datapath {

// Requested map sizes; 0 = default for a new map, or the size of the pinned map.
struct MapSizes {
  uint32_t block_v4 = 0;
  uint32_t block_v6 = 0;
  uint32_t allow_v4 = 0;
  uint32_t allow_v6 = 0;
  uint32_t rule_stats = 0;
  uint32_t buckets = 0;
  uint32_t flows = 0;
};

// A map as this build's object declares it (its BTF definitions, from maps/).
struct ObjectMapSpec {
  std::string name;
  uint32_t type, key_size, value_size;
};

// Every map the embedded object pins (internal .rodata/.bss maps excluded), read from the
// object itself once per process: what PinnedMaps::Open expects to find on bpffs, so the
// check and the datapath can never disagree. No privileges needed (nothing is loaded).
absl::StatusOr<std::vector<ObjectMapSpec>> ObjectMapSpecs();

struct ObjectOptions {
  std::string pin_dir;  // empty: no pinning (datapath tests, benchmarks)
  MapSizes sizes;
  bool frags = false;  // load the multi-buffer (jumbo MTU) program instead of the plain one
  // The per-CPU verdict cache in front of the tries. Always on in the product; off only in
  // benchmarks that measure what it gains (few sources) and costs (many cold sources).
  bool verdict_cache = true;
  // Online resize (resize.h): maps created afresh at the size in `sizes` instead of the
  // pinned ones, left unpinned (the resize pins them once they are filled) ...
  std::set<std::string> fresh_maps;
  // ... and maps taken from these fds (a second program variant sharing the fresh maps).
  std::map<std::string, int> reuse_fds;
};

class DatapathObject {
 public:
  static absl::StatusOr<std::unique_ptr<DatapathObject>> Open(const ObjectOptions& options);
  ~DatapathObject();
  DatapathObject(const DatapathObject&) = delete;
  DatapathObject& operator=(const DatapathObject&) = delete;

  // Loads into the kernel directly (tests, benchmarks, atomic replace). Attaching through
  // libxdp loads the object itself instead; call FinishPinning() afterwards in both cases.
  absl::Status Load();
  // After load: pins 0600 and the ABI version recorded in xg_info.
  absl::Status FinishPinning();

  xdpguard_bpf* skel() { return skel_; }
  bpf_object* obj();
  bpf_program* program();  // the program selected by options.frags
  const char* program_name() const;
  int map_fd(const char* name);

 private:
  DatapathObject(xdpguard_bpf* skel, ObjectOptions options)
      : skel_(skel), options_(std::move(options)) {}
  absl::Status Configure();

  xdpguard_bpf* skel_;
  ObjectOptions options_;
};

// Program names of this build; an attached program with one of these names that uses our
// pinned maps is ours.
inline constexpr const char* kProgMain = "xdpguard_main";
inline constexpr const char* kProgFrags = "xdpguard_frags";

}  // namespace xdpguard::datapath

#endif  // XDPGUARD_DATAPATH_DATAPATH_OBJECT_H_
