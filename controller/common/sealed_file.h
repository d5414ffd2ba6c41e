// SPDX-License-Identifier: GPL-2.0
// Files that must never be half-read: written atomically (temp file in the same
// directory, fsync, rename, fsync of the directory) and sealed with a one-line JSON
// header that records the payload's size and CRC-32. A reader gets the whole payload or
// an error saying why (missing, truncated, checksum mismatch); never a prefix of it.
#ifndef XDPGUARD_COMMON_SEALED_FILE_H_
#define XDPGUARD_COMMON_SEALED_FILE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace xdpguard {

// kDurable: fsync the file and its directory, so the new content survives a power loss.
// kAtomicOnly: readers see the old or the new file, but a crash may lose the update (for
// files the reader can rebuild, where an fsync per write costs more than it buys).
enum class Durability { kDurable, kAtomicOnly };

// Replaces path with data atomically; mode applies to the new file.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view data, int mode = 0600,
                                 Durability durability = Durability::kDurable);

// Reads a whole file, refusing more than max_bytes.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path, size_t max_bytes);

// Identifies one version of a file cheaply (no read): equal stamps mean the file was not
// replaced or rewritten in between (atomic replacement gives a new inode).
struct FileStamp {
  uint64_t dev = 0, ino = 0, size = 0;
  int64_t mtime_ns = 0;
  friend bool operator==(const FileStamp& a, const FileStamp& b) {
    return a.dev == b.dev && a.ino == b.ino && a.size == b.size && a.mtime_ns == b.mtime_ns;
  }
};
// The stamp of path, or nullopt if it cannot be stat'ed (absent).
std::optional<FileStamp> StampOf(const std::string& path);

// CRC-32 (zlib) of data.
uint32_t Crc32(absl::string_view data);

struct SealedFile {
  nlohmann::json meta;  // caller's fields (the seal's own are removed)
  std::string payload;
};

absl::Status WriteSealedFile(const std::string& path, const std::string& kind,
                             nlohmann::json meta, absl::string_view payload,
                             Durability durability = Durability::kDurable);
// NotFound if absent; DataLoss if corrupt or of another kind.
absl::StatusOr<SealedFile> ReadSealedFile(const std::string& path, const std::string& kind,
                                          size_t max_bytes);

}  // namespace xdpguard

#endif  // XDPGUARD_COMMON_SEALED_FILE_H_
