#!/usr/bin/env bash
# Scenario 22: repairs keep guests' connections. Two live TCP connections: guest -> upstream
# through the NAT, and upstream -> guest through a port forward. Each kind of drift (delete
# the network's table, flush each chain, flush the forwards map, bridge down, `nft flush
# ruleset`; the table or the whole ruleset missing for a whole second) is repaired, and both
# connections carry a line afterwards, unbroken. Heartbeats flow on both every 20 ms
# throughout, so packets do arrive while the rules are missing.
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_start
net_wait_active default || e2e_fatal "default network is active"

nftx() { ip netns exec "$HOST_NS" nft "$@"; }
# The listing is read whole before grep looks at it: with pipefail, `nft list | grep -q`
# fails whenever grep stops reading before nft has written its last chunk (SIGPIPE).
table_has() { local t; t=$(nftx list table inet vnet-virbr0 2>/dev/null) && grep -q -- "$1" <<<"$t"; }
masq_back() { table_has masquerade; }
fwd_back() { table_has 7100; }
bridge_up() { ip -n "$HOST_NS" -o link show dev virbr0 2>/dev/null | grep -q '<[^>]*\bUP\b'; }

# flow_open ID NS ADDR PORT: a TCP connection kept open by socat, fed through a FIFO.
flow_open() {
    local id=$1 fd
    mkfifo "$E2E_TMP/$id.in"
    exec {fd}<>"$E2E_TMP/$id.in"
    eval "FLOW_FD_$id=$fd"
    : >"$E2E_TMP/$id.out"
    # redirected here, not through e2e_bg: a background job's stdin would be /dev/null
    ip netns exec "$2" socat -T 600 - "TCP:$3:$4,connect-timeout=3" \
        <"$E2E_TMP/$id.in" >"$E2E_TMP/$id.out" 2>"$E2E_TMP/$id.err" &
    E2E_PIDS+=("$!")
    eval "FLOW_PID_$id=$!"
}

# flow_say ID LINE: send LINE, wait (5 s) for the reply line naming it.
flow_say() {
    local id=$1 fdv="FLOW_FD_$1"
    printf '%s\n' "$2" >&"${!fdv}" || return 1
    wait_for 5 grep -q -- " $2\$" "$E2E_TMP/$id.out"
}

line_server 7000 || e2e_fatal "upstream line server listens"
guest_add g1 virbr0 || e2e_fatal "guest g1 plugged"
ip1=$(dhcp_udhcpc g1 flows-g1)
expect_match "guest g1 gets a lease" '^192\.168\.122\.' "$ip1"
tcp_server "$(guest_ns g1)" 7100 'while read -r l; do echo "$SOCAT_PEERADDR $l"; done' ||
    e2e_fatal "guest line server listens"
expect_ok "forward host tcp/8100 to the guest" vnet forward-add default --proto tcp --port 8100 --to "$ip1:7100"

flow_open nat "$(guest_ns g1)" "$UPLINK_UP" 7000
flow_open fwd "$UP_NS" "$UPLINK_HOST" 8100
expect_true "the NAT connection carries a line" flow_say nat hello
expect_true "the forwarded connection carries a line" flow_say fwd hello

# heartbeat ID: a line every 20 ms on the flow, until the end of the run (at most 10 min)
heartbeat() {
    local fdv="FLOW_FD_$1" i
    for ((i = 0; i < 30000; i++)); do
        printf 'hb\n' >&"${!fdv}" || return
        sleep 0.02
    done &
    E2E_PIDS+=("$!")
}
heartbeat nat
heartbeat fwd

n=0
drift() { # DESC WAIT-PREDICATE CMD...
    local desc=$1 pred=$2
    shift 2
    n=$((n + 1))
    "$@" || { e2e_fail "$desc: the drift command ran" "$*"; return; }
    expect_true "$desc: repaired" wait_for 5 "$pred"
    expect_true "$desc: the NAT connection still carries a line" flow_say nat "line$n"
    expect_true "$desc: the forwarded connection still carries a line" flow_say fwd "line$n"
}

all_back() { masq_back && fwd_back && bridge_up; }
# First (so that its repair is not paced), `nft flush ruleset`: it takes every table but the
# NAT anchor, an owner table held by vnetd's socket, which the kernel skips in a flush and
# lets no one else delete
anchor_there() { local t; t=$(nftx list tables) && grep -qx 'table inet vnetd_nat_anchor' <<<"$t"; }
flush_ruleset() { nftx flush ruleset && anchor_there; }
drift "nft flush ruleset" all_back flush_ruleset
expect_false "nobody but vnetd can delete the anchor" nftx delete table inet vnetd_nat_anchor
drift "nft delete table" all_back nftx delete table inet vnet-virbr0
for chain in $(nftx list table inet vnet-virbr0 | sed -n 's/^\s*chain \([^ ]*\) {.*/\1/p'); do
    drift "nft flush chain $chain" all_back nftx flush chain inet vnet-virbr0 "$chain"
done
for map in $(nftx list table inet vnet-virbr0 | sed -n 's/^\s*map \([^ ]*\) {.*/\1/p'); do
    drift "nft flush map $map" all_back nftx flush map inet vnet-virbr0 "$map"
done
drift "bridge set down" all_back ip -n "$HOST_NS" link set virbr0 down
# by now more than 5 repairs happened within a minute: they are paced, and vnet info says so
e2e_run vnet info default
expect_match "vnet info says repairs are being paced" '^Repairs: +throttled' "$E2E_OUT"
# a slow repair: the table stays missing for a whole second while heartbeats flow (vnetd's
# NAT anchor, not the repair's speed, keeps them translated meanwhile)
slow_delete() {
    kill -STOP "$VNETD_PID" && nftx delete table inet vnet-virbr0 && wait_for 1 false
    kill -CONT "$VNETD_PID"
}
drift "table missing for 1 s" all_back slow_delete

slow_flush() { # (vnetd is always let go on, whatever failed)
    local r=0
    kill -STOP "$VNETD_PID" || return 1
    { nftx flush ruleset && anchor_there; } || r=1
    wait_for 2 false # (SECONDS ticks whole seconds: 1 to 2 s)
    kill -CONT "$VNETD_PID"
    return $r
}
drift "ruleset flushed for 1 s" all_back slow_flush
# (reported, not asserted: how long vnetd's repairs of the two flushes took; the second
# one paced, and vnetd stopped for 1-2 s)
while read -r line; do e2e_log "vnetd: $line"; done < <(grep -o 'repaired (.*)' "$VNETD_LOG" | sed -n '1p;$p')
expect_true "the NAT connection's socat is still running" pid_alive "$FLOW_PID_nat"
expect_true "the forwarded connection's socat is still running" pid_alive "$FLOW_PID_fwd"
# and the heartbeats still come back on both (each one answered with "PEER hb")
hb_count() { grep -c ' hb$' "$E2E_TMP/$1.out"; }
hb_more() { [ "$(hb_count "$1")" -gt "$2" ]; }
hb_nat=$(hb_count nat) hb_fwd=$(hb_count fwd)
expect_true "heartbeats still come back through the NAT" wait_for 5 hb_more nat "$hb_nat"
expect_true "heartbeats still come back through the forward" wait_for 5 hb_more fwd "$hb_fwd"
expect_eq "after the flushes a new NAT connection works" "$UPLINK_HOST hi" "$(line_ask "$(guest_ns g1)" $UPLINK_UP 7000 hi)"
e2e_done
