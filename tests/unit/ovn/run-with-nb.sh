#!/bin/bash
# Start a private ovsdb-server with OVN's northbound schema in a temp dir
# (never the machine's), run the test binary against its socket, stop it by PID.
set -euo pipefail
test_bin=$1
schema=/usr/share/ovn/ovn-nb.ovsschema
for t in ovsdb-tool ovsdb-server; do
    command -v "$t" >/dev/null || { echo "$t missing: run scripts/install-deps.sh" >&2; exit 1; }
done
[ -r "$schema" ] || { echo "$schema missing: run scripts/install-deps.sh" >&2; exit 1; }
dir=$(mktemp -d /tmp/vnet-ovn-nb.XXXXXX)
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
ovsdb-tool create "$dir/nb.db" "$schema"
ovsdb-server "$dir/nb.db" --remote="punix:$dir/nb.sock" --unixctl="$dir/nb.ctl" \
    --no-chdir --log-file="$dir/nb.log" --pidfile="$dir/nb.pid" &
pid=$!
for _ in $(seq 100); do [ -S "$dir/nb.sock" ] && break; sleep 0.05; done
[ -S "$dir/nb.sock" ] || { echo "ovsdb-server did not start" >&2; cat "$dir/nb.log" >&2; exit 1; }
"$test_bin" "unix:$dir/nb.sock" "$dir"
