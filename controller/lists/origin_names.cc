// SPDX-License-Identifier: GPL-2.0
#include "lists/origin_names.h"

#include "lists/manual_rules.h"

namespace xdpguard::lists {

OriginNames::OriginNames(const std::map<std::string, uint16_t>& feeds) {
  for (const auto& [name, id] : feeds) feeds_[id] = name;
}

std::string OriginNames::Name(uint16_t origin) const {
  auto it = feeds_.find(origin);
  if (it != feeds_.end() && !IsOperatorOrigin(origin)) return it->second;
  return OriginName(origin);
}

std::vector<uint16_t> OriginNames::NamedIds() const {
  std::vector<uint16_t> ids = {kOriginManual};
  for (const auto& [id, name] : feeds_) {
    if (!IsOperatorOrigin(id)) ids.push_back(id);
  }
  ids.push_back(kOriginFail2ban);
  ids.push_back(kOriginConfig);  // the highest id: the list stays sorted
  return ids;
}

bool OriginNames::IsNamed(uint16_t origin) const {
  return IsOperatorOrigin(origin) || feeds_.count(origin) != 0;
}

}  // namespace xdpguard::lists
