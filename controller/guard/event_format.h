// SPDX-License-Identifier: GPL-2.0
// Turns a gateway-guard ring-buffer record into the JSON line `guard watch` prints and
// hands to --on-alert: wall-clock time, interface, VLAN, kind, gateway, claimed MAC,
// Ethernet source, allowed MACs and the number of frames the event stands for.
#ifndef XDPGUARD_GUARD_EVENT_FORMAT_H_
#define XDPGUARD_GUARD_EVENT_FORMAT_H_

#include <string>
#include <vector>

#include "guard/mac.h"
#include "nlohmann/json.hpp"
#include "xdpguard_guard.h"

namespace xdpguard::guard {

const char* EventKindName(uint8_t kind);

// mono_now_ns / real_now_ns: the clocks read together, to convert the event's
// CLOCK_MONOTONIC stamp to wall-clock time.
nlohmann::json EventToJson(const xg_guard_event& ev, const std::string& ifname,
                           const std::vector<Mac>& allowed, uint64_t mono_now_ns,
                           uint64_t real_now_ns);

}  // namespace xdpguard::guard

#endif  // XDPGUARD_GUARD_EVENT_FORMAT_H_
