// SPDX-License-Identifier: GPL-2.0
// The no-gap tests' control: a reconcile writer that deletes what left the set before it
// writes the new one, as a naive sync would. It opens a window on purpose, so a probe that
// never sees a miss with the product's writer is shown to be able to see one. Linked into
// tests only; the product has no way to select it.
#ifndef XDPGUARD_TEST_SUPPORT_DELETE_FIRST_WRITER_H_
#define XDPGUARD_TEST_SUPPORT_DELETE_FIRST_WRITER_H_

namespace xdpguard::testing {

// Every reconcile in this process deletes first (Use) or is the product's again (Restore).
void UseDeleteFirstWriter();
void RestoreProductWriter();

// RAII form for one test scope.
struct DeleteFirstScope {
  DeleteFirstScope() { UseDeleteFirstWriter(); }
  ~DeleteFirstScope() { RestoreProductWriter(); }
};

}  // namespace xdpguard::testing

#endif  // XDPGUARD_TEST_SUPPORT_DELETE_FIRST_WRITER_H_
