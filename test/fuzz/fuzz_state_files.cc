// SPDX-License-Identifier: GPL-2.0
// The state directory's readers: sealed files (feed caches, applied sets), feed status and
// the origins file. A state file may be truncated, corrupt or from another version; each
// reader must refuse it whole, never crash or half-load. The first byte picks how the rest
// is written: as raw bytes (the seal's header and checksum checks), or properly sealed
// with a fuzzed header and payload (so the payload decoders are reached too: random bytes
// almost never carry a valid CRC).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "common/sealed_file.h"
#include "feeds/feed_state.h"
#include "lists/applied_set.h"
#include "nlohmann/json.hpp"

using namespace xdpguard;

namespace {

// A plain array, not a std::string: RemoveStateDir runs at exit, after static strings
// may have been destroyed.
char g_state_dir[] = "/tmp/xg-fuzz-state-XXXXXX";

void RemoveStateDir() {
  std::error_code ec;
  std::filesystem::remove_all(g_state_dir, ec);
}

// The state directory, created on the first input.
const char* StateDir() {
  static const bool created = [] {
    if (!mkdtemp(g_state_dir)) {
      perror("fuzz_state_files: mkdtemp");
      abort();
    }
    // libFuzzer ends a timed run with exit(): leave no directory behind in /tmp.
    std::atexit(RemoveStateDir);
    (void)feeds::FeedStateStore(g_state_dir).Init();
    return true;
  }();
  (void)created;
  return g_state_dir;
}

void WriteRaw(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string dir = StateDir();
  feeds::FeedStateStore store(dir);
  const std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string cache = store.CachePath("f");
  const std::string applied = dir + "/applied.set";
  if (data[0] & 1) {
    // Header JSON up to the first newline, payload after it, sealed for real.
    const size_t nl = rest.find('\n');
    nlohmann::json meta = nlohmann::json::parse(rest.substr(0, nl), nullptr, false);
    if (!meta.is_object()) meta = nlohmann::json::object();
    const std::string payload = nl == std::string::npos ? std::string() : rest.substr(nl + 1);
    (void)WriteSealedFile(cache, "feed-cache", meta, payload, Durability::kAtomicOnly);
    (void)WriteSealedFile(applied, "applied-set", meta, payload, Durability::kAtomicOnly);
  } else {
    WriteRaw(cache, rest);
    WriteRaw(applied, rest);
  }
  WriteRaw(dir + "/feeds/f.status", rest);
  WriteRaw(dir + "/origins.json", rest);
  (void)store.LoadCache("f");
  (void)lists::LoadAppliedSet(applied);
  (void)store.LoadStatus("f");
  (void)store.LoadOrigins();
  return 0;
}
