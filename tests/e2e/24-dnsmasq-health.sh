#!/usr/bin/env bash
# Scenario 23: dnsmasq health. dnsmasq runs as its own account (vnet-dnsmasq), not nobody.
# A SIGSTOPped dnsmasq (alive, but serving nothing) is replaced, and so is one that stops
# answering DNS (simulated by dropping the daemon's probes); DHCP works afterwards. Killed
# seven times in a row, it comes back every time (restarts are paced, never given up). The
# waits are bounds (10 s), not targets: the times are printed as diagnostics and measured in
# bench/resilience.sh (about 1 s for a stopped dnsmasq, 2-3 s for an unanswering one).
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_start
net_wait_active default || e2e_fatal "default network is active"

ms_now() { echo $(($(date +%s%N) / 1000000)); }
dnsmasq_restarted() { # OLD-PID: a different, live dnsmasq runs for default
    local p
    p=$(dnsmasq_pid_of default) && [ "$p" != "$1" ] && pid_alive "$p"
}

pid=$(dnsmasq_pid_of default)
expect_match "a dnsmasq serves default" '^[0-9]+$' "$pid"
expect_eq "it runs as vnet-dnsmasq" vnet-dnsmasq "$(ps -o user= -p "$pid" | tr -d ' ')"

# 1. stopped
t0=$(ms_now)
kill -STOP "$pid"
if expect_true "a stopped dnsmasq is replaced" wait_for 10 dnsmasq_restarted "$pid"; then
    e2e_log "stopped dnsmasq replaced after $(($(ms_now) - t0)) ms"
fi
guest_add g1 virbr0 || e2e_fatal "guest g1 plugged"
ip1=$(dhcp_udhcpc g1 health-g1)
expect_match "a guest gets a lease from the new dnsmasq" '^192\.168\.122\.' "$ip1"
expect_eq "and DNS answers" "$ip1" "$(dig_a g1 health-g1 $DEFAULT_GW)"

# 2. wedged: it runs, but no DNS answer reaches the daemon's probe
pid=$(dnsmasq_pid_of default)
nftx() { ip netns exec "$HOST_NS" nft "$@"; }
nftx -f - <<NFT
table inet e2e_wedge {
    chain in { type filter hook input priority 0; iifname "lo" ip daddr $DEFAULT_GW udp dport 53 drop; }
}
NFT
t0=$(ms_now)
if expect_true "a dnsmasq that does not answer DNS is replaced" wait_for 10 dnsmasq_restarted "$pid"; then
    e2e_log "unanswering dnsmasq replaced after $(($(ms_now) - t0)) ms"
fi
nftx delete table inet e2e_wedge
e2e_run vnet info default
expect_match "vnet info still shows default active" '^Active: +yes' "$E2E_OUT"

# 3. killed again and again
for i in 1 2 3 4 5 6 7; do
    pid=$(dnsmasq_pid_of default)
    t0=$(ms_now)
    kill -KILL "$pid"
    if ! wait_for 10 dnsmasq_restarted "$pid"; then
        e2e_fail "kill $i: dnsmasq is back"
        break
    fi
    e2e_log "kill $i: back after $(($(ms_now) - t0)) ms"
done
[ "$i" = 7 ] && e2e_pass "after 7 kills in a row dnsmasq came back every time"
ip -n "$(guest_ns g1)" -4 addr flush dev eth0
ip1=$(dhcp_udhcpc g1 health-g1)
expect_match "DHCP works after the kills" '^192\.168\.122\.' "$ip1"
e2e_done
