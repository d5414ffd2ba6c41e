// SPDX-License-Identifier: GPL-2.0
// xdpguard_delete_first: the product's CLI with every reconcile deleting first. Only the
// reload no-gap integration test runs it, as its control (it must leak). Built by the
// test tree; never installed.
#include "cli/commands.h"
#include "delete_first_writer.h"

int main(int argc, char** argv) {
  xdpguard::testing::UseDeleteFirstWriter();
  return xdpguard::cli::Main(argc, argv);
}
