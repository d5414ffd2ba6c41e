// SPDX-License-Identifier: GPL-2.0
// One service per pin directory: a second lock on the same pin directory is refused with
// the holder's PID; another pin directory is independent; the lock goes with its holder.
#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>

#include "daemon/instance_lock.h"

namespace xdpguard::daemon {

TEST_CASE("instance lock: one service per pin directory, released with its holder") {
  char tmpl[] = "/tmp/xg-lock-test-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  CHECK(InstanceLock::PathFor("/sys/fs/bpf/xdpguard/", dir) == dir + "/sys%fs%bpf%xdpguard.lock");

  // The holder is another process (flock is per open file: the same process could not see
  // its own lock), which keeps it until told to exit.
  int to_child[2], from_child[2];
  REQUIRE(pipe(to_child) == 0);
  REQUIRE(pipe(from_child) == 0);
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    absl::StatusOr<InstanceLock> held = InstanceLock::Acquire("/sys/fs/bpf/xg-a", dir);
    (void)!write(from_child[1], held.ok() ? "y" : "n", 1);
    char c;
    (void)!read(to_child[0], &c, 1);
    _exit(held.ok() ? 0 : 1);
  }
  char held = 0;
  REQUIRE(read(from_child[0], &held, 1) == 1);
  REQUIRE(held == 'y');
  absl::StatusOr<InstanceLock> second = InstanceLock::Acquire("/sys/fs/bpf/xg-a", dir);
  REQUIRE_FALSE(second.ok());
  CHECK(absl::IsFailedPrecondition(second.status()));
  CHECK(std::string(second.status().message()).find("PID " + std::to_string(child)) != std::string::npos);
  CHECK(InstanceLock::Acquire("/sys/fs/bpf/xg-b", dir).ok());  // another pin dir: free

  REQUIRE(write(to_child[1], "x", 1) == 1);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(InstanceLock::Acquire("/sys/fs/bpf/xg-a", dir).ok());  // the kernel released it
  (void)!system(("rm -rf " + dir).c_str());
}

}  // namespace xdpguard::daemon
