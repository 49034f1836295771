#!/usr/bin/env bash
# Runs the benchmarks and rewrites docs/benchmarks.md. Needs python3 (the baseline).
# bench/run.sh --callgrind counts instructions per event on the single-event path under valgrind (its own section).
# bench/run.sh --aws measures the AWS shape on DynamoDB Local (what deploy/aws/local/start.sh needs) and rewrites only
# its own section. bench/run.sh --stream [--sales N] [--before BUILD_FOLDER --before-commit HASH] measures issue 21's
# figures (the change stream), beside a build from before it when given, and rewrites only its own section.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run --configuration Release --project bench/StockWatch.Bench -- docs/benchmarks.md "$@"
