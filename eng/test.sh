#!/usr/bin/env bash
# Builds everything warning-free in Release and runs every test project.
# Usage: eng/test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Protocol]
# Ends with one line "N passed, N failed" and exits non-zero when a test failed.
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

started=$(date +%s)
dotnet build BatchSdk.sln -c Release -nologo -v:q -warnaserror

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test BatchSdk.sln -c Release --no-build -nologo "$@" 2>&1 | tee "$log" || status=$?

# dotnet test prints one "Passed!/Failed! - Failed: x, Passed: y, ..." line per test assembly.
read -r passed failed < <(awk -F'[:,]' '/(Passed|Failed)! +- Failed:/ { f += $2; p += $4 } END { print p+0, f+0 }' "$log")
echo "test time: $(( $(date +%s) - started )) s"
echo "$passed passed, $failed failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
