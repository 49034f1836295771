#!/usr/bin/env bash
# Runs the benchmarks and rewrites docs/benchmarks.md. Needs python3 (the baseline).
# bench/run.sh --aws measures the AWS shape on DynamoDB Local (what deploy/aws/local/start.sh needs) and rewrites only
# its own section.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run --configuration Release --project bench/StockWatch.Bench -- docs/benchmarks.md "$@"
