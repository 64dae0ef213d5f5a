#!/usr/bin/env bash
# vnet in one minute: build, then in throwaway network namespaces start vnetd on an empty
# root (the built-in `default` network comes up), plug a guest, and show what it gets:
# the network list, a DHCP lease, a DNS answer and a NAT'd TCP connection to an "upstream"
# namespace. Nothing outside the namespaces it creates is touched; everything is removed
# at the end, even on failure. Needs root (network namespaces). Exits non-zero if a step fails.
set -u
cd "$(dirname "$0")/.." || exit 1
SRC=$PWD
BUILD=${BUILD_DIR:-build} # relative to the source tree

if [ -t 1 ]; then B=$'\033[1m' N=$'\033[0m'; else B="" N=""; fi
heading() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
# elapsed T0: seconds since T0 (an $EPOCHREALTIME value), one decimal
elapsed() {
    local d=$(( ${EPOCHREALTIME/./} - ${1/./} ))
    printf '%d.%d' $((d / 1000000)) $((d % 1000000 / 100000))
}

heading "Installing dependencies and building"
scripts/install-deps.sh || { echo "demo: installing dependencies failed"; exit 1; }
if [ ! -d "$BUILD" ]; then
    meson setup "$BUILD" >/dev/null || { echo "demo: meson setup failed"; exit 1; }
fi
ninja -C "$BUILD" >"${TMPDIR:-/tmp}/vnet-demo-build.log" 2>&1 || {
    tail -n 30 "${TMPDIR:-/tmp}/vnet-demo-build.log"
    echo "demo: build failed"
    exit 1
}
echo "built $BUILD/src/daemon/vnetd and $BUILD/src/cli/vnet"

export VNET_BUILD_DIR=$SRC/$BUILD
E2E_QUIET=1
. "$SRC/tests/e2e/lib.sh"
e2e_init
e2e_check_binaries

# show CMD...: print the command as typed, run it, indent its output; stop the demo on failure.
show() {
    printf '$ %s\n' "$*"
    e2e_run "$@"
    sed 's/^/    /' <<<"$E2E_OUT"
    if [ "$E2E_RC" -ne 0 ]; then
        e2e_fatal "$* (exit status $E2E_RC)"
    fi
}

# step DESC CMD...: a check that must hold for the demo to go on
step() {
    local desc=$1
    shift
    "$@" >/dev/null 2>&1 || e2e_fatal "$desc"
    e2e_pass "$desc"
}

heading "Throwaway namespaces: host $HOST_NS, upstream $UP_NS ($UPLINK_UP)"
step "namespaces and uplink" e2e_topology
echo "host uplink $UPLINK_HOST/24, default route via the upstream namespace $UPLINK_UP"

heading "Starting vnetd on an empty root ($ROOT)"
t0=$EPOCHREALTIME
vnetd_start || e2e_fatal "vnetd starts"
step "the default network is active" net_wait_active default
echo "vnetd is up and the built-in default network is active after $(elapsed "$t0") s"

heading "The networks"
show vnet list --all
show vnet info default

heading "Plugging a guest (namespace $(guest_ns g1)) into virbr0; DHCP with udhcpc"
step "guest plugged" guest_add g1 virbr0
t0=$EPOCHREALTIME
ip1=$(dhcp_udhcpc g1 demo-guest) || e2e_fatal "the guest gets a lease"
echo "the guest got $ip1 in $(elapsed "$t0") s (libvirt's default network: 3-14 s of STP port settling and dnsmasq's ping check)"
show vnet dhcp-leases default

heading "DNS: the guest's DHCP host name at the network's resolver"
show ip netns exec "$(guest_ns g1)" dig @"$DEFAULT_GW" demo-guest +short +time=1 +tries=2
[ "$E2E_OUT" = "$ip1" ] || e2e_fatal "DNS answers $ip1 for demo-guest" "got: $E2E_OUT"

heading "NAT: the guest connects to a TCP server in the upstream namespace"
step "upstream server listens" upstream_server 7000
seen=$(guest_ask g1 "$UPLINK_UP" 7000)
echo "guest $ip1 -> $UPLINK_UP:7000; the upstream saw the connection come from: $seen"
[ "$seen" = "$UPLINK_HOST" ] || e2e_fatal "the upstream sees the host's uplink address" "got: $seen"
show ip -n "$HOST_NS" -br addr show dev virbr0

heading "Cleaning up (vnetd, dnsmasq, namespaces, $E2E_TMP)"
e2e_done
