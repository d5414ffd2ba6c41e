#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The repository carries what it reads: fails when a tracked file points at a folder
# beside the checkout (where the project's reference material once lay).
# A user clones this repository alone; a build, test, benchmark or lab that reads from
# outside it works only on the machine it was written on. .ci/run also runs the suite from
# a clone with nothing beside it; this check names the offending line in under a second.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "SKIP: not a git checkout"; exit 77
fi
# The pattern is split so that this file does not match itself.
pattern='\.\./'"shared"'([/"'"'"' ]|$)'
if hits=$(git grep -nE "$pattern" -- . ':!test/data/feeds'); then
  echo "FAIL: tracked files read from outside the repository:"
  echo "$hits"
  exit 1
fi
echo "PASS: no tracked file refers outside the repository"
