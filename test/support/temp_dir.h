// SPDX-License-Identifier: GPL-2.0
// A scratch directory under /tmp for a test, removed with everything in it when the
// object goes out of scope.
#ifndef XDPGUARD_TEST_SUPPORT_TEMP_DIR_H_
#define XDPGUARD_TEST_SUPPORT_TEMP_DIR_H_

#include <stdlib.h>

#include <string>

namespace xdpguard::test {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/xg-test-XXXXXX";
    const char* made = mkdtemp(tmpl);
    path = made ? made : "";
  }
  ~TempDir() {
    if (!path.empty()) (void)!system(("rm -rf '" + path + "'").c_str());
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

}  // namespace xdpguard::test

#endif  // XDPGUARD_TEST_SUPPORT_TEMP_DIR_H_
