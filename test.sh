#!/usr/bin/env bash
# Runs every test: unit tests, SQLite integration tests on real files, the CLI and serve as real processes, and the
# HTML pages in headless Chromium. Whatever the tests need beyond the .NET SDK is installed here, never by hand.
set -euo pipefail
cd "$(dirname "$0")"

# Debian's chromium, driven by Playwright in the browser tests (Playwright's own browser download is not used).
if [ ! -x /usr/bin/chromium ]; then
    as_root=""
    if [ "$(id -u)" -ne 0 ]; then as_root="sudo"; fi
    $as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends chromium
fi

dotnet test StockWatch.slnx --configuration Release "$@"
