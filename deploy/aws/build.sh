#!/usr/bin/env bash
# Builds the functions' package for Lambda's managed dotnet10 runtime (linux-x64, ReadyToRun: less JIT at a cold
# start) into artifacts/lambda, the folder deploy/aws/template.yaml's CodeUri names. Then:
#   sam deploy --guided --template-file deploy/aws/template.yaml
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/artifacts/lambda"

rm -rf "$out"
dotnet publish "$root/src/StockWatch.Lambda" --configuration Release --runtime linux-x64 --self-contained false \
    -p:PublishReadyToRun=true --output "$out"
echo "Package: $out ($(du -sh "$out" | cut -f1))"
