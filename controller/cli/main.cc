// SPDX-License-Identifier: GPL-2.0
// The xdpguard binary: everything is in cli::Main (entry.cc), so test builds can wrap it.
#include "cli/commands.h"

int main(int argc, char** argv) { return xdpguard::cli::Main(argc, argv); }
