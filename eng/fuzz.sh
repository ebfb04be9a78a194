#!/usr/bin/env bash
# The long protocol fuzz: the seeded decoder fuzzers (Grid.Protocol.Tests FuzzTests) and the head fuzzer
# (Grid.Tool.Tests HeadFuzzTests) at SCALE times their CI size, with a fresh seed offset unless one is given.
# Usage: eng/fuzz.sh [scale, default 20] [seed offset, default random]   (CI runs scale 1, seed offset 0)
# A failure prints the seed offset: GRID_FUZZ_SEED=<it> eng/fuzz.sh <scale> <it> replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
scale=${1:-20}
seed=${2:-$RANDOM}
export GRID_FUZZ_SCALE=$scale GRID_FUZZ_SEED=$seed DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "fuzz: scale $scale, seed offset $seed (about $((scale * 188))k decoder inputs and $((scale * 100))k frames into a live head)"
dotnet build BatchSdk.sln -c Release -nologo -v:q -warnaserror
status=0
dotnet test tests/Grid.Protocol.Tests -c Release --no-build --filter "FullyQualifiedName~FuzzTests" --logger "console;verbosity=normal" || status=$?
dotnet test tests/Grid.Tool.Tests -c Release --no-build --filter "FullyQualifiedName~HeadFuzzTests" || status=$?
[ "$status" -eq 0 ] || echo "fuzz: FAILED with seed offset $seed (replay: eng/fuzz.sh $scale $seed)" >&2
exit "$status"
