#!/usr/bin/env bash
# Runs the benchmarks and rewrites docs/benchmarks.md. Needs python3 (the baseline).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run --configuration Release --project bench/StockWatch.Bench -- docs/benchmarks.md
