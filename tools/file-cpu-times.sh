#!/usr/bin/env bash
# CPU time of each test file, run one at a time as `npm test` runs them
# (MODELSMITH_NUM_THREAD=1): user+sys of the file's process and every process
# it waited for (the CLI subprocesses, llama.cpp's threads), which, unlike wall
# time, does not depend on what else the machine is doing. Slowest first.
#   tools/file-cpu-times.sh                      # every file of `npm test`
#   tools/file-cpu-times.sh dist/test/docs/*.test.js
# Compile first (npm run build). Keeps `npm test` under 5 minutes on 2 cores:
# its CPU total should stay under about 480 s (docs/decisions.md, "Keeping
# npm test under 5 minutes").
set -uo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then set -- $(find dist/test -name '*.test.js' ! -name '*.slow.test.js' | sort); fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for f in "$@"; do
  /usr/bin/time -f "%U %S %e $f" -a -o "$out" env MODELSMITH_NUM_THREAD=1 node --test --test-concurrency=1 "$f" >/dev/null 2>&1 \
    || echo "failed: $f" >&2
done
awk '$1 ~ /^[0-9.]+$/ { printf "%8.1f s cpu %8.1f s wall  %s\n", $1 + $2, $3, $4; total += $1 + $2; n++ } END { printf "%8.1f s cpu in all, %d files\n", total, n }' "$out" | sort -rn
