// SPDX-License-Identifier: GPL-2.0
// One gateway-guard ring-buffer record as `guard watch` prints it and the daemon logs it:
// the record's size checked before it is read, the interface named, the clocks read
// together, the gateway's allowed MACs looked up.
#ifndef XDPGUARD_GUARD_EVENT_RECORD_H_
#define XDPGUARD_GUARD_EVENT_RECORD_H_

#include <cstddef>
#include <optional>

#include "guard/guard_store.h"
#include "nlohmann/json.hpp"

namespace xdpguard::guard {

// nullopt (and a warning logged) for a record shorter than an event.
std::optional<nlohmann::json> EventRecordJson(const void* data, size_t size, const GuardStore& store);

}  // namespace xdpguard::guard

#endif  // XDPGUARD_GUARD_EVENT_RECORD_H_
