// SPDX-License-Identifier: GPL-2.0
// Attaching and detaching the datapath. Rules kept here: a load failure never touches the
// interface; a foreign XDP program is never replaced or detached; our own program is
// adopted (not reloaded) on re-attach and replaced atomically (XDP_FLAGS_REPLACE with the
// expected old program) when this build's program differs; maps stay pinned.
#ifndef XDPGUARD_DATAPATH_ATTACH_H_
#define XDPGUARD_DATAPATH_ATTACH_H_

#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "datapath/datapath_object.h"
#include "datapath/xdp_query.h"

namespace xdpguard::datapath {

enum class AttachMode { kNative, kGeneric, kHw, kAuto };
absl::StatusOr<AttachMode> ParseAttachMode(absl::string_view text);

// Interfaces with an MTU above this need the multi-buffer ("frags") program: beyond about
// one page minus headroom and skb_shared_info, drivers (veth included) refuse plain XDP.
inline constexpr int kMaxNonFragsMtu = 3498;

struct AttachOptions {
  std::string ifname;
  AttachMode mode = AttachMode::kAuto;
  MapSizes sizes;
  std::string pin_dir;
  bool force_replace = false;  // replace our program even if identical (upgrade tests)
  // Interface settings to change, written *before* the program is attached, so that e.g.
  // `attach --monitor` never drops a packet. Unset fields keep their current value.
  bool monitor = false;
  std::optional<uint8_t> flow_mode;
  std::optional<uint8_t> drop_sample_shift;
  std::optional<uint8_t> pass_sample_shift;
};

struct AttachResult {
  std::string action;  // "attached", "adopted", "replaced"
  std::string note;    // e.g. native -> generic fallback, frags variant
  InterfaceXdpState state;
};

// Caller holds the pin directory lock.
absl::StatusOr<AttachResult> Attach(const AttachOptions& options);

// Errors: NotFound when nothing of ours is attached (including nothing at all),
// FailedPrecondition when the attached program is foreign.
absl::Status Detach(const std::string& ifname, const std::string& pin_dir);

// Puts new_fd in place of our program (old_fd) on the interface in one netlink request:
// XDP_FLAGS_REPLACE makes the kernel check that the program being replaced is still the
// one we expect, so there is no window without a filter and no chance of replacing a
// program someone attached meanwhile. Single-program attachments only (not the dispatcher).
absl::Status SwapProgram(const InterfaceXdpState& state, int old_fd, int new_fd);

// Removes every pin and the pin directory. Refuses while any interface still runs us.
absl::Status RemovePinnedState(const std::string& pin_dir);

}  // namespace xdpguard::datapath

#endif  // XDPGUARD_DATAPATH_ATTACH_H_
