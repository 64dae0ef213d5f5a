#!/usr/bin/env bash
# Scenario 27: behaviour at scale (small N for CI; the speed targets are bench figures).
# 64 NAT networks, each with a guest that takes a DHCP lease (udhcpc); no dnsmasq holds an
# inotify instance and vnetd holds at most two (resolv.conf, the definitions directory); then `nft flush ruleset` removes every table at once
# and vnetd restores all 64 (with their rules), the guests keep their addresses, dnsmasq keeps
# running, and traffic is masqueraded again.
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_start

N=${E2E_SCALE_N:-64}
# networks 10.64.I.0/24 on bridges vs-I; STP off so a new port forwards at once
for i in $(seq 1 $N); do
    f=$(net_xml_file "s$i" "<network><name>s$i</name><forward mode='nat'/>
<bridge name='vs-$i' stp='off'/><ip address='10.64.$i.1' netmask='255.255.255.0'>
<dhcp><range start='10.64.$i.100' end='10.64.$i.199'/></dhcp></ip></network>")
    vnet define "$f" >/dev/null && vnet start "s$i" >/dev/null || e2e_fatal "network s$i starts"
done
e2e_pass "$N networks defined and started"
expect_eq "all $N are active (and the built-in default)" "$((N + 1))" "$(vnet list | grep -c ' active ')"

ok=0
for i in $(seq 1 $N); do
    guest_add "g$i" "vs-$i" >/dev/null 2>&1 || continue
    ip=$(dhcp_udhcpc "g$i" 2>/dev/null)
    [[ $ip == 10.64.$i.* ]] && ok=$((ok + 1))
done
expect_eq "every network's guest got a lease in its subnet" "$N" "$ok"
leases=0
for i in $(seq 1 $N); do vnet dhcp-leases "s$i" 2>/dev/null | grep -q "10.64.$i." && leases=$((leases + 1)); done
expect_eq "every network lists its lease" "$N" "$leases"

inot=0 nd=0
for pid in $(ip netns pids "$HOST_NS"); do
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q '^/[^ ]*dnsmasq' || continue
    nd=$((nd + 1))
    ls -l "/proc/$pid/fd" 2>/dev/null | grep -q inotify && inot=$((inot + 1))
done
expect_eq "one dnsmasq per network runs" "$((N + 1))" "$nd" # + the built-in default
expect_eq "no dnsmasq holds an inotify instance" 0 "$inot"
# vnetd's own: resolv.conf (resolv_watch.c) and the definitions directory (reload.c)
vnetd_inotify() { ls -l "/proc/$VNETD_PID/fd" | grep -c inotify; }
expect_true "vnetd holds at most two inotify instances, whatever the number of networks" \
    test "$(vnetd_inotify)" -le 2

rules_before=$(ip netns exec "$HOST_NS" nft list ruleset | grep -c counter)
dnsmasq_before=$(for i in 1 $((N / 2)) $N; do dnsmasq_pid_of "s$i"; done)
ip netns exec "$HOST_NS" nft flush ruleset
all_back() {
    [ "$(ip netns exec "$HOST_NS" nft list tables | grep -c 'inet vnet-')" -eq "$((N + 1))" ] &&
        [ "$(ip netns exec "$HOST_NS" nft list ruleset | grep -c counter)" -eq "$rules_before" ]
}
expect_true "after nft flush ruleset, every table is back with all its rules" wait_for 30 all_back
expect_eq "dnsmasq kept running" "$dnsmasq_before" \
    "$(for i in 1 $((N / 2)) $N; do dnsmasq_pid_of "s$i"; done)"
upstream_server 7000 || e2e_fatal "upstream TCP server listens"
for i in 1 $((N / 2)) $N; do
    expect_eq "guest g$i -> upstream is masqueraded again" "$UPLINK_HOST" \
        "$(guest_ask "g$i" "$UPLINK_UP" 7000)"
done
expect_match "the repairs were logged" "repaired" "$(cat "$VNETD_LOG")"

# Starts side by side (issue 13: dnsmasq's readiness is an event, not a wait in the
# loop): eight at once, each reply comes when its dnsmasq serves; others are served meanwhile.
for i in $(seq 1 8); do vnet destroy "s$i" >/dev/null || e2e_fail "destroy s$i"; done
starts=()
for i in $(seq 1 8); do
    timeout 30 ip netns exec "$HOST_NS" "$VNET_BIN" --root "$ROOT" start "s$i" \
        >"$E2E_TMP/start-s$i.out" 2>&1 &
    starts+=($!)
done
expect_ok "vnet list answers while they start" vnet list --all
failed=0
for p in "${starts[@]}"; do wait "$p" || failed=$((failed + 1)); done
expect_eq "eight starts side by side all succeed" 0 "$failed"
[ "$failed" = 0 ] || e2e_diag "$(cat "$E2E_TMP"/start-s*.out)"
serving=0
for i in $(seq 1 8); do
    p=$(dnsmasq_pid_of "s$i") && pid_alive "$p" && net_active "s$i" && serving=$((serving + 1))
done
expect_eq "each is active with its dnsmasq running once its start returned" 8 "$serving"
expect_match "the dnsmasq of one started side by side answers DNS" 'dnsmasq' \
    "$(ip netns exec "$HOST_NS" dig @10.64.8.1 version.bind CHAOS TXT +short +time=1 +tries=3 2>&1)"
e2e_done
