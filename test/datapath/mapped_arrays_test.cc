// SPDX-License-Identifier: GPL-2.0
// Retained mappings of BPF arrays (the service's write sessions): a later owner reuses the
// mapping of the same map and writes reach the map; a re-created map of the same name
// gets its own mapping and the unused old one goes; without retention a mapping goes with
// its owner. Needs root (creates maps).
#include <bpf/bpf.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "common/unique_fd.h"
#include "datapath/mapped_arrays.h"

using xdpguard::datapath::MappedArrays;

namespace {

constexpr uint32_t kEntries = 4096;  // 32 KiB of u64: several pages

int CreateArray(const char* name) {
  LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
  return bpf_map_create(BPF_MAP_TYPE_ARRAY, name, sizeof(uint32_t), sizeof(uint64_t), kEntries, &opts);
}

uint64_t KernelValue(int fd, uint32_t key) {
  uint64_t v = 0;
  REQUIRE(bpf_map_lookup_elem(fd, &key, &v) == 0);
  return v;
}

// Whether some mapping of this process starts at `at` (/proc/self/maps).
bool Mapped(const void* at) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  std::ostringstream want;
  want << std::hex << reinterpret_cast<uintptr_t>(at) << "-";
  while (std::getline(maps, line))
    if (line.rfind(want.str(), 0) == 0) return true;
  return false;
}

}  // namespace

TEST_CASE("mapped arrays: without retention a mapping goes with its owner") {
  MappedArrays::RetainMappingsForReuse(false);
  xdpguard::UniqueFd fd(CreateArray("xg_test_fresh"));
  REQUIRE(fd.get() >= 0);
  void* at = nullptr;
  {
    MappedArrays m;
    auto p = m.Map(fd.get(), kEntries * sizeof(uint64_t), "xg_test_fresh");
    REQUIRE(p.ok());
    at = *p;
    static_cast<uint64_t*>(at)[5] = 55;
    CHECK(Mapped(at));
  }
  CHECK_FALSE(Mapped(at));
  CHECK(KernelValue(fd.get(), 5) == 55);
}

TEST_CASE("mapped arrays: retained mappings are reused per map and dropped when it is re-created") {
  MappedArrays::RetainMappingsForReuse(true);
  xdpguard::UniqueFd a(CreateArray("xg_test_retain"));
  REQUIRE(a.get() >= 0);
  void* first = nullptr;
  {
    MappedArrays m;
    auto p = m.Map(a.get(), kEntries * sizeof(uint64_t), "xg_test_retain");
    REQUIRE(p.ok());
    first = *p;
    static_cast<uint64_t*>(first)[7] = 77;
  }
  CHECK(Mapped(first));  // outlived its owner
  {
    MappedArrays m;
    auto p = m.Map(a.get(), kEntries * sizeof(uint64_t), "xg_test_retain");
    REQUIRE(p.ok());
    CHECK(*p == first);
    CHECK(static_cast<uint64_t*>(*p)[7] == 77);
    static_cast<uint64_t*>(*p)[8] = 88;
  }
  CHECK(KernelValue(a.get(), 7) == 77);  // the writes went to the map itself
  CHECK(KernelValue(a.get(), 8) == 88);

  // The maps are re-created: a map of the same name, another id.
  xdpguard::UniqueFd b(CreateArray("xg_test_retain"));
  REQUIRE(b.get() >= 0);
  {
    MappedArrays m;
    auto p = m.Map(b.get(), kEntries * sizeof(uint64_t), "xg_test_retain");
    REQUIRE(p.ok());
    CHECK(*p != first);
    CHECK(static_cast<uint64_t*>(*p)[7] == 0);
    static_cast<uint64_t*>(*p)[7] = 700;
  }
  CHECK_FALSE(Mapped(first));  // the old map's unused mapping went
  CHECK(KernelValue(b.get(), 7) == 700);
  CHECK(KernelValue(a.get(), 7) == 77);
  MappedArrays::RetainMappingsForReuse(false);
}
