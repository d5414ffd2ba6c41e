// SPDX-License-Identifier: GPL-2.0
// Minimal RETURN_IF_ERROR / ASSIGN_OR_RETURN: Debian's Abseil (20220623) ships no status
// macros. Kept tiny on purpose; they only forward statuses, never rewrite them.
#ifndef XDPGUARD_COMMON_STATUS_MACROS_H_
#define XDPGUARD_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define XG_CONCAT_INNER(a, b) a##b
#define XG_CONCAT(a, b) XG_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                        \
  do {                                               \
    ::absl::Status xg_status_ = (expr);              \
    if (!xg_status_.ok()) return xg_status_;         \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, expr) \
  XG_ASSIGN_OR_RETURN_IMPL(XG_CONCAT(xg_statusor_, __LINE__), lhs, expr)

#define XG_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()

#endif  // XDPGUARD_COMMON_STATUS_MACROS_H_
