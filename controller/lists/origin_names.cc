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

}  // namespace xdpguard::lists
