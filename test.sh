#!/usr/bin/env bash
# Runs every test: unit tests, SQLite integration tests on real files, and the CLI as real processes.
# Whatever the tests need beyond the .NET SDK is installed here, never by hand.
set -euo pipefail
cd "$(dirname "$0")"

dotnet test StockWatch.slnx --configuration Release "$@"
