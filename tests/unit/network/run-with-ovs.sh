#!/bin/bash
# Start a private ovsdb-server with Open vSwitch's schema in a temp dir (never
# the machine's) holding two bridges, brx (the kernel's datapath) and bru (the
# userspace one), without ovs-vswitchd, so they have no device; then run the
# test binary against its socket in a network namespace of its own (unshare
# -n: only lo), so the kernel links it reads are the test's. The server is
# stopped by PID.
set -euo pipefail
test_bin=$1
schema=/usr/share/openvswitch/vswitch.ovsschema
for t in ovsdb-tool ovsdb-server ovs-vsctl unshare; do
    command -v "$t" >/dev/null || { echo "$t missing: run scripts/install-deps.sh" >&2; exit 1; }
done
[ -r "$schema" ] || { echo "$schema missing: run scripts/install-deps.sh" >&2; exit 1; }
dir=$(mktemp -d /tmp/vnet-ovs-db.XXXXXX)
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
ovsdb-tool create "$dir/conf.db" "$schema"
ovsdb-server "$dir/conf.db" --remote="punix:$dir/db.sock" --unixctl="$dir/db.ctl" \
    --no-chdir --log-file="$dir/db.log" --pidfile="$dir/db.pid" &
pid=$!
for _ in $(seq 100); do [ -S "$dir/db.sock" ] && break; sleep 0.05; done
[ -S "$dir/db.sock" ] || { echo "ovsdb-server did not start" >&2; cat "$dir/db.log" >&2; exit 1; }
ovs-vsctl --db="unix:$dir/db.sock" --timeout=10 --no-wait init -- add-br brx \
    -- add-br bru -- set bridge bru datapath_type=netdev
unshare -n "$test_bin" "unix:$dir/db.sock" "$dir"
