// SPDX-License-Identifier: GPL-2.0
// Structured logs for the service: spdlog with a formatter that writes one JSON object per
// line ({"time", "level", "logger", "msg"}), the message escaped by the JSON library, so
// journald and log shippers parse every line. The CLI keeps the human "xdpguard: level:"
// format.
#ifndef XDPGUARD_COMMON_JSON_LOG_H_
#define XDPGUARD_COMMON_JSON_LOG_H_

#include <memory>

#include "spdlog/formatter.h"

namespace xdpguard {

// Under systemd, with stderr connected to the journal ($JOURNAL_STREAM names it), each line
// starts with its syslog priority ("<3>" error ... "<7>" debug), which journald strips and
// records, so `journalctl -p warning` filters; the JSON itself is unchanged.
std::unique_ptr<spdlog::formatter> MakeJsonFormatter();
// Whether stderr is the journal stream systemd set up (JOURNAL_STREAM = "DEV:INODE").
bool StderrIsJournal();

}  // namespace xdpguard

#endif  // XDPGUARD_COMMON_JSON_LOG_H_
