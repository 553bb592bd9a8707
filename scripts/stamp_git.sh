#!/usr/bin/env bash
# Writes .tcbench-git ("<sha> <dirty>") so a copy of this tree without .git (the GPU machine)
# still records which commit its results came from. Run it right before sending the tree, and
# `rm .tcbench-git` after: while it exists, tcbench records it instead of asking git.
set -euo pipefail
cd "$(dirname "$0")/.."
dirty=0
[ -n "$(git status --porcelain --untracked-files=no)" ] && dirty=1
echo "$(git rev-parse HEAD) $dirty" > .tcbench-git
cat .tcbench-git
