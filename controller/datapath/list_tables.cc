// SPDX-License-Identifier: GPL-2.0
#include "datapath/list_tables.h"

#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/errno_status.h"

namespace xdpguard::datapath {

const std::vector<ListTableSpec>& ListTableSpecs() {
  static const std::vector<ListTableSpec> specs = {
      {XG_MAP_BLOCK_V4, XG_MAP_RULES_V4, net::Family::kIPv4},
      {XG_MAP_BLOCK_V6, XG_MAP_RULES_V6, net::Family::kIPv6},
      {XG_MAP_ALLOW_V4, nullptr, net::Family::kIPv4},
      {XG_MAP_ALLOW_V6, nullptr, net::Family::kIPv6}};
  return specs;
}

absl::StatusOr<std::unique_ptr<ListTables>> ListTables::Open(const std::function<int(const char* name)>& fd_of) {
  std::unique_ptr<ListTables> t(new ListTables());
  auto open = [&](const char* name) -> absl::StatusOr<LibbpfMap*> {
    int fd = fd_of(name);
    if (fd < 0) return absl::NotFoundError(absl::StrCat("map ", name, " is missing"));
    int copy = dup(fd);
    if (copy < 0) return ErrnoToStatus(errno, absl::StrCat("duplicate the fd of ", name));
    absl::StatusOr<std::unique_ptr<LibbpfMap>> m = LibbpfMap::FromFd(UniqueFd(copy));
    if (!m.ok()) return m.status();
    t->maps_.push_back(std::move(*m));
    return t->maps_.back().get();
  };
  const std::vector<ListTableSpec>& wants = ListTableSpecs();
  for (int i = 0; i < 4; i++) {
    absl::StatusOr<LibbpfMap*> buckets = open(wants[i].name);
    if (!buckets.ok()) return buckets.status();
    LibbpfMap* rules = nullptr;
    if (wants[i].rules) {
      absl::StatusOr<LibbpfMap*> r = open(wants[i].rules);
      if (!r.ok()) return r.status();
      rules = *r;
    }
    absl::StatusOr<std::unique_ptr<BucketMap>> table =
        BucketMap::MapArrays({wants[i].name, wants[i].family, wants[i].rules == nullptr}, **buckets, rules);
    if (!table.ok()) return table.status();
    t->tables_[i] = std::move(*table);
  }
  return t;
}

const ListTableSpec* ListTableOf(absl::string_view map_name) {
  for (const ListTableSpec& t : ListTableSpecs())
    if (map_name == t.name || (t.rules && map_name == t.rules)) return &t;
  return nullptr;
}

std::string SizeFlagOf(absl::string_view map_name) {
  const ListTableSpec* t = ListTableOf(map_name);
  std::string flag(absl::StripPrefix(t ? absl::string_view(t->name) : map_name, "xg_"));
  for (char& c : flag)
    if (c == '_') c = '-';
  return absl::StrCat("--", flag, "-entries");
}

BucketMap* ListTables::table(const std::string& name) const {
  for (const auto& t : tables_)
    if (t->name() == name) return t.get();
  return nullptr;
}

}  // namespace xdpguard::datapath
