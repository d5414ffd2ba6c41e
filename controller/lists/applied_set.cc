// SPDX-License-Identifier: GPL-2.0
#include "lists/applied_set.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/sealed_file.h"

namespace xdpguard::lists {
namespace {

constexpr char kKind[] = "applied-set";
constexpr size_t kRecordBytes = net::kEncodedCidrBytes + 2 + 8;  // cidr, origin, version
constexpr size_t kMaxFile = 1u << 30;

}  // namespace

absl::Status SaveAppliedSet(const std::string& path, const AppliedSet& set) {
  std::string payload(set.entries.size() * kRecordBytes, '\0');
  char* p = payload.data();
  for (const AppliedEntry& e : set.entries) {
    net::EncodeCidr(e.cidr, p);
    std::memcpy(p + net::kEncodedCidrBytes, &e.origin, 2);
    std::memcpy(p + net::kEncodedCidrBytes + 2, &e.version, 8);
    p += kRecordBytes;
  }
  // Not fsynced: the file is removed before every map write and rebuilt from the maps when
  // missing, so a crash that loses it costs one map walk, never a wrong diff.
  return WriteSealedFile(path, kKind,
                         {{"entries", set.entries.size()}, {"maps_identity", set.maps_identity}},
                         payload, Durability::kAtomicOnly);
}

absl::StatusOr<AppliedSet> LoadAppliedSet(const std::string& path) {
  absl::StatusOr<SealedFile> f = ReadSealedFile(path, kKind, kMaxFile);
  if (!f.ok()) return f.status();
  const nlohmann::json& n = f->meta["entries"];
  const nlohmann::json& identity = f->meta["maps_identity"];
  // n is checked against the payload before it is multiplied: a huge n must not wrap.
  if (!n.is_number_unsigned() || !identity.is_string() ||
      n.get<size_t>() > f->payload.size() / kRecordBytes ||
      f->payload.size() != n.get<size_t>() * kRecordBytes)
    return absl::DataLossError(absl::StrCat(path, " does not match its header"));
  AppliedSet set;
  set.maps_identity = identity.get<std::string>();
  set.entries.resize(n.get<size_t>());
  for (size_t i = 0; i < set.entries.size(); i++) {
    const char* p = f->payload.data() + i * kRecordBytes;
    AppliedEntry& e = set.entries[i];
    if (!net::DecodeCidr(p, &e.cidr) || (i > 0 && !(set.entries[i - 1].cidr < e.cidr)))
      return absl::DataLossError(absl::StrCat(path, ": bad or unsorted entry ", i));
    std::memcpy(&e.origin, p + net::kEncodedCidrBytes, 2);
    std::memcpy(&e.version, p + net::kEncodedCidrBytes + 2, 8);
  }
  return set;
}

absl::Status RemoveAppliedSet(const std::string& path) {
  if (unlink(path.c_str()) != 0 && errno != ENOENT)
    return ErrnoToStatus(errno, absl::StrCat("remove ", path));
  return absl::OkStatus();
}

}  // namespace xdpguard::lists
