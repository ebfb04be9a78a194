#!/usr/bin/env bash
# The long chaos suite: the worker-loss test with TASKS tasks (10,000 by default; CI runs 5,000) while a worker
# is SIGKILLed every 0.3 s, the head-crash test (the head SIGKILLed at 20 random points, then resumed), the
# directional fault-injection tests and the poison-task test, each repeated ROUNDS times.
# Usage: eng/chaos.sh [tasks, default 10000] [rounds, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
tasks=${1:-10000}
rounds=${2:-3}
export GRID_CHAOS_TASKS=$tasks DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build BatchSdk.sln -c Release -nologo -v:q -warnaserror
filter="FullyQualifiedName~WorkerLossTests|FullyQualifiedName~HeadKilledAtTwentyRandomPoints|FullyQualifiedName~FaultInjectionTests|FullyQualifiedName~Quarantined"
for ((round = 1; round <= rounds; round++)); do
  echo "chaos: round $round of $rounds, $tasks tasks"
  dotnet test tests/Grid.Tool.Tests -c Release --no-build --filter "$filter"
done
