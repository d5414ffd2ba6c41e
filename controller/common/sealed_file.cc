// SPDX-License-Identifier: GPL-2.0
#include "common/sealed_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/unique_fd.h"

namespace xdpguard {
namespace {

constexpr int kSealVersion = 1;

}  // namespace

std::optional<FileStamp> StampOf(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileStamp{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                   static_cast<uint64_t>(st.st_size),
                   static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

uint32_t Crc32(absl::string_view data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths: feed it in chunks so payloads over 4 GiB cannot wrap.
  while (!data.empty()) {
    size_t n = std::min<size_t>(data.size(), 1u << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(n));
    data.remove_prefix(n);
  }
  return static_cast<uint32_t>(crc);
}

namespace {

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

absl::Status WriteFileAtomically(const std::string& path, absl::string_view data, int mode,
                                 Durability durability) {
  std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  {
    UniqueFd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (!fd.valid()) return ErrnoToStatus(errno, absl::StrCat("create ", tmp));
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = write(fd.get(), data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        absl::Status st = ErrnoToStatus(errno, absl::StrCat("write ", tmp));
        unlink(tmp.c_str());
        return st;
      }
      done += static_cast<size_t>(n);
    }
    if (durability == Durability::kDurable && fsync(fd.get()) != 0) {
      absl::Status st = ErrnoToStatus(errno, absl::StrCat("fsync ", tmp));
      unlink(tmp.c_str());
      return st;
    }
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    absl::Status st = ErrnoToStatus(errno, absl::StrCat("rename ", tmp, " to ", path));
    unlink(tmp.c_str());
    return st;
  }
  if (durability == Durability::kAtomicOnly) return absl::OkStatus();
  // The rename is durable only once the directory entry is.
  UniqueFd dir(open(DirOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.valid()) fsync(dir.get());
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path, size_t max_bytes) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(path, " does not exist"));
    return ErrnoToStatus(errno, absl::StrCat("open ", path));
  }
  struct stat st{};
  if (fstat(fd.get(), &st) != 0) return ErrnoToStatus(errno, absl::StrCat("stat ", path));
  if (static_cast<uint64_t>(st.st_size) > max_bytes)
    return absl::ResourceExhaustedError(
        absl::StrCat(path, " is ", st.st_size, " bytes, more than the limit of ", max_bytes));
  std::string out;
  out.resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = read(fd.get(), out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoToStatus(errno, absl::StrCat("read ", path));
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  return out;
}

absl::Status WriteSealedFile(const std::string& path, const std::string& kind,
                             nlohmann::json meta, absl::string_view payload, Durability durability) {
  meta["seal"] = {{"kind", kind},
                  {"version", kSealVersion},
                  {"bytes", payload.size()},
                  {"crc32", Crc32(payload)}};
  std::string data = meta.dump();
  data += '\n';
  data.append(payload.data(), payload.size());
  return WriteFileAtomically(path, data, 0600, durability);
}

absl::StatusOr<SealedFile> ReadSealedFile(const std::string& path, const std::string& kind,
                                          size_t max_bytes) {
  absl::StatusOr<std::string> data = ReadWholeFile(path, max_bytes);
  if (!data.ok()) return data.status();
  auto corrupt = [&](const std::string& why) {
    return absl::DataLossError(absl::StrCat(path, " is corrupt (", why, "); ignoring it"));
  };
  size_t nl = data->find('\n');
  if (nl == std::string::npos) return corrupt("no header line");
  nlohmann::json meta = nlohmann::json::parse(data->begin(), data->begin() + static_cast<long>(nl),
                                              nullptr, false);
  if (meta.is_discarded() || !meta.is_object() || !meta.contains("seal") || !meta["seal"].is_object())
    return corrupt("bad header");
  const nlohmann::json& seal = meta["seal"];
  // Typed reads: json::value() throws on a field of the wrong type, which must read as a
  // corrupt file, not end the process.
  const nlohmann::json* seal_kind = seal.contains("kind") ? &seal["kind"] : nullptr;
  const nlohmann::json* version = seal.contains("version") ? &seal["version"] : nullptr;
  const nlohmann::json* bytes = seal.contains("bytes") ? &seal["bytes"] : nullptr;
  const nlohmann::json* crc = seal.contains("crc32") ? &seal["crc32"] : nullptr;
  if (!seal_kind || !seal_kind->is_string() || seal_kind->get<std::string>() != kind || !version ||
      !version->is_number_unsigned() || version->get<uint64_t>() != static_cast<uint64_t>(kSealVersion))
    return corrupt(absl::StrCat("not a version ", kSealVersion, " ", kind, " file"));
  if (!bytes || !bytes->is_number_unsigned() || !crc || !crc->is_number_unsigned())
    return corrupt("bad header");
  SealedFile out;
  out.payload = data->substr(nl + 1);
  if (out.payload.size() != bytes->get<uint64_t>())
    return corrupt(absl::StrCat("payload is ", out.payload.size(), " bytes, header says ",
                                bytes->get<uint64_t>()));
  if (Crc32(out.payload) != crc->get<uint64_t>()) return corrupt("checksum mismatch");
  meta.erase("seal");
  out.meta = std::move(meta);
  return out;
}

}  // namespace xdpguard
