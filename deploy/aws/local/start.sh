#!/usr/bin/env bash
# Starts the AWS emulators on free loopback ports and prints the `export` lines that point the AWS SDK (and so
# StockWatch's functions and CLI) at them:
#   eval "$(deploy/aws/local/start.sh)"
# DynamoDB Local (with Streams) from the npm package amplify-dynamodb-simulator, and fauxqs (S3, SQS, SNS). Both are
# fetched from npm on first use at pinned versions; both listen on 127.0.0.1 only, which this script checks.
# State (pids, logs) goes to $STOCKWATCH_AWS_LOCAL_STATE (default deploy/aws/local/.run); stop.sh stops them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
state="${STOCKWATCH_AWS_LOCAL_STATE:-$here/.run}"
cache="$here/.cache"
ddb_version="2.9.30"
ddb_integrity="sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ=="
deadline_seconds=90

say() { echo "$@" >&2; }
fail() { say "start.sh: $*"; exit 1; }

for tool in node npm java gcc tar openssl; do
    command -v "$tool" >/dev/null || fail "$tool is required (Node 20, Java 17, gcc, openssl)."
done

mkdir -p "$state" "$cache"

# fauxqs needs Node 20; Debian 12's nodejs is 18. Then Node 20 from npm's node package (its binary is a registry package).
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
    if [ ! -x "$cache/node20/node_modules/.bin/node" ]; then
        say "Node $(node --version) is older than 20: installing Node 20 from npm (node@20.20.2)..."
        npm install --no-audit --no-fund --loglevel=error --prefix "$cache/node20" node@20.20.2 >&2
    fi
    export PATH="$cache/node20/node_modules/.bin:$PATH"
fi
if [ -e "$state/dynamodb.pid" ] || [ -e "$state/fauxqs.pid" ]; then
    fail "emulators already started in $state; run stop.sh first."
fi

# fauxqs, at the version package-lock.json pins.
if [ ! -e "$here/node_modules/fauxqs/package.json" ]; then
    say "Installing fauxqs (npm ci)..."
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

# DynamoDB Local: the jar inside amplify-dynamodb-simulator, checked against the registry's integrity of that version.
ddb="$cache/dynamodb-local-$ddb_version"
if [ ! -e "$ddb/DynamoDBLocal.jar" ]; then
    say "Fetching DynamoDB Local (npm pack amplify-dynamodb-simulator@$ddb_version)..."
    work="$(mktemp -d)"
    (cd "$work" && npm pack --silent "amplify-dynamodb-simulator@$ddb_version" >/dev/null)
    tarball="$(ls "$work"/*.tgz)"
    actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
    [ "$actual" = "$ddb_integrity" ] || fail "amplify-dynamodb-simulator@$ddb_version has integrity $actual, expected $ddb_integrity."
    tar -xzf "$tarball" -C "$work" package/emulator
    rm -rf "$ddb.tmp" && mv "$work/package/emulator" "$ddb.tmp" && mv "$ddb.tmp" "$ddb"
    rm -rf "$work"
fi

# The bind() shim that keeps DynamoDB Local on loopback.
shim="$cache/loopback-bind.so"
if [ ! -e "$shim" ] || [ "$here/loopback-bind.c" -nt "$shim" ]; then
    gcc -shared -fPIC -O2 -o "$shim.tmp" "$here/loopback-bind.c" -ldl && mv "$shim.tmp" "$shim"
fi

free_port() {
    node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# The addresses a port is listened on (hex, as /proc/net shows them), one per line.
listeners() {
    local hex
    hex="$(printf '%04X' "$1")"
    awk -v port=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == port { print $2 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# Waits for the process to listen on the port; then checks that it listens on loopback only.
wait_listening() {
    local name="$1" pid="$2" port="$3" log="$4" start=$SECONDS
    until [ -n "$(listeners "$port")" ]; do
        kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail "$name exited before listening."; }
        [ $((SECONDS - start)) -lt $deadline_seconds ] || fail "$name did not listen on port $port within ${deadline_seconds}s."
        sleep 0.1
    done
    local address
    for address in $(listeners "$port"); do
        case "$address" in
            0100007F:*|00000000000000000000000001000000:*) ;;
            *) kill "$pid"; fail "$name listens on $address, not on loopback only.";;
        esac
    done
}

ddb_port="$(free_port)"
(cd "$state" && LD_PRELOAD="$shim" exec java -Djava.net.preferIPv4Stack=true -Djava.library.path="$ddb/DynamoDBLocal_lib" \
    -jar "$ddb/DynamoDBLocal.jar" -inMemory -sharedDb -port "$ddb_port") >"$state/dynamodb.log" 2>&1 &
echo $! >"$state/dynamodb.pid"
say "DynamoDB Local starting on 127.0.0.1:$ddb_port (pid $(cat "$state/dynamodb.pid"))"

FAUXQS_LOGGER=false nohup node "$here/fauxqs-loopback.mjs" >"$state/fauxqs.log" 2>&1 &
echo $! >"$state/fauxqs.pid"
start=$SECONDS
until grep -q '"port"' "$state/fauxqs.log" 2>/dev/null; do
    kill -0 "$(cat "$state/fauxqs.pid")" 2>/dev/null || { cat "$state/fauxqs.log" >&2; fail "fauxqs exited before listening."; }
    [ $((SECONDS - start)) -lt $deadline_seconds ] || fail "fauxqs did not start within ${deadline_seconds}s."
    sleep 0.1
done
fauxqs_port="$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$state/fauxqs.log" | head -1)"
wait_listening fauxqs "$(cat "$state/fauxqs.pid")" "$fauxqs_port" "$state/fauxqs.log"
say "fauxqs (S3, SQS, SNS) on 127.0.0.1:$fauxqs_port (pid $(cat "$state/fauxqs.pid"))"
wait_listening "DynamoDB Local" "$(cat "$state/dynamodb.pid")" "$ddb_port" "$state/dynamodb.log"

cat <<EXPORTS
export AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=local
export AWS_SECRET_ACCESS_KEY=local
export AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$ddb_port
export AWS_ENDPOINT_URL_DYNAMODB_STREAMS=http://127.0.0.1:$ddb_port
export AWS_ENDPOINT_URL_SQS=http://127.0.0.1:$fauxqs_port
export AWS_ENDPOINT_URL_SNS=http://127.0.0.1:$fauxqs_port
export AWS_ENDPOINT_URL_S3=http://127.0.0.1:$fauxqs_port
export StockWatch__Aws__TopicArn=arn:aws:sns:us-east-1:000000000000:stockwatch-alerts
export STOCKWATCH_AWS_LOCAL_STATE=$state
EXPORTS
