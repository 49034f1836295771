#!/usr/bin/env bash
# Runs every test: unit tests, SQLite integration tests on real files, the CLI and serve as real processes, the HTML
# pages in headless Chromium, and the AWS shape against its emulators. Whatever the tests need beyond the .NET SDK is
# installed here, never by hand.
set -euo pipefail
cd "$(dirname "$0")"

packages=()
# Debian's chromium, driven by Playwright in the browser tests (Playwright's own browser download is not used).
[ -x /usr/bin/chromium ] || packages+=(chromium)
# The AWS emulators (deploy/aws/local/start.sh): Java 17 for DynamoDB Local, Node.js and npm for fauxqs (start.sh
# brings Node 20 from npm when Debian's is older), gcc for the loopback shim, openssl to check the download.
command -v java >/dev/null || packages+=(openjdk-17-jre-headless)
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
command -v gcc >/dev/null || packages+=(gcc libc6-dev)
command -v openssl >/dev/null || packages+=(openssl)
if [ ${#packages[@]} -gt 0 ]; then
    as_root=""
    if [ "$(id -u)" -ne 0 ]; then as_root="sudo"; fi
    $as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends "${packages[@]}"
fi

dotnet test StockWatch.slnx --configuration Release "$@"
