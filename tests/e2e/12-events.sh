#!/usr/bin/env bash
# Scenario 12: `vnet events`. A stream opened before anything happens shows lifecycle events in
# virsh's words, every repair (what drifted, what was restored, how long it took) and dnsmasq
# restarts; `net-event` behaves as virsh's (one event unless --loop, --event required).
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_start
net_wait_active default || e2e_fatal "default network is active"

EV_TEXT=$E2E_TMP/events.txt
EV_JSON=$E2E_TMP/events.json
ip netns exec "$HOST_NS" "$VNET_BIN" --root "$ROOT" events --timeout 60 >"$EV_TEXT" 2>&1 &
EV1=$!
E2E_PIDS+=("$EV1")
ip netns exec "$HOST_NS" "$VNET_BIN" --root "$ROOT" events --json --network default --timeout 60 \
    >"$EV_JSON" 2>&1 &
EV2=$!
E2E_PIDS+=("$EV2")
json_has() { # FILE JQ-FILTER: some line of FILE satisfies the filter
    jq -e -s "map(select($2)) | length > 0" "$1" >/dev/null 2>&1
}
text_has() { grep -Eq -- "$2" "$1"; }

# The streams are registered once they see events: define and undefine a throwaway network
# until the text stream shows it.
f=$(net_xml_file probe "$(net_xml probe vnbr9 192.168.209 none)")
wait_for 10 sh -c "ip netns exec $HOST_NS '$VNET_BIN' --root '$ROOT' define '$f' >/dev/null 2>&1; \
    ip netns exec $HOST_NS '$VNET_BIN' --root '$ROOT' undefine probe >/dev/null 2>&1; \
    grep -q \"for network probe: Defined\" '$EV_TEXT' && grep -q \"for network probe: Undefined\" '$EV_TEXT'"
expect_true "the text stream shows lifecycle events as virsh does" \
    text_has "$EV_TEXT" "^event 'lifecycle' for network probe: Defined$"
expect_false "the stream filtered to 'default' leaves other networks out" \
    text_has "$EV_JSON" '"probe"'

# 1. a flushed ruleset is repaired, and the repair is an event saying what and how long
ip netns exec "$HOST_NS" nft flush ruleset
expect_true "a repair event follows 'nft flush ruleset'" \
    wait_for 10 json_has "$EV_JSON" '.event == "repaired" and (.restored | index("nftables table re-installed"))'
expect_true "it says how long the repair took" \
    json_has "$EV_JSON" '.event == "repaired" and (.repair_ms | type) == "number" and (.since_seen_ms | type) == "number"'
expect_true "the text stream shows it too" \
    wait_for 5 text_has "$EV_TEXT" "^event 'repaired' for network default: nftables table changed by another program; restored: nftables table re-installed \\(in [0-9]+ ms"

# 2. dnsmasq killed: repaired, and a dnsmasq-restarted event with both pids
old=$(dnsmasq_pid_of default)
kill -KILL "$old"
expect_true "a dnsmasq-restarted event names the old pid" \
    wait_for 10 json_has "$EV_JSON" ".event == \"dnsmasq-restarted\" and .old_pid == $old and .pid > 0"
expect_true "the repair event says dnsmasq was restarted" \
    json_has "$EV_JSON" '.event == "repaired" and (.restored | index("dnsmasq restarted"))'

# 3. the bridge deleted: re-created
ip -n "$HOST_NS" link del virbr0
expect_true "a repair event says the bridge was re-created" \
    wait_for 10 json_has "$EV_JSON" '.event == "repaired" and (.restored | index("bridge virbr0 re-created"))'

# 4. forwarding switched off: rtnetlink netconf events make it a repair within a second
fwd_on() { [ "$(ip netns exec "$HOST_NS" sysctl -n net.ipv4.ip_forward)" = 1 ]; }
t0=$(date +%s%N)
ip netns exec "$HOST_NS" sysctl -qw net.ipv4.ip_forward=0
for _ in $(seq 200); do fwd_on && break; sleep 0.005; done
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
e2e_log "ip_forward=0 was switched back on after $ms ms"
expect_true "ip_forward=0 is repaired" fwd_on
expect_true "in under a second" test "$ms" -lt 1000
expect_true "the repair event names the sysctl and the drift" \
    wait_for 5 json_has "$EV_JSON" '.event == "repaired" and .drift == "net.ipv4.ip_forward was switched off" and (.restored | index("net.ipv4.ip_forward=1"))'
expect_true "the text stream shows it" \
    text_has "$EV_TEXT" "^event 'repaired' for network default: net.ipv4.ip_forward was switched off; restored: net.ipv4.ip_forward=1"
e2e_run vnet info default
expect_match "info shows the last repair" "^Last repair: +[0-9-]+ [0-9:]+: net.ipv4.ip_forward was switched off" "$E2E_OUT"

# 5. destroy + start: lifecycle events on both streams
expect_ok "destroy default" vnet destroy default
expect_ok "start default" vnet start default
expect_true "stopped and started appear in the text stream" \
    wait_for 5 sh -c "grep -q \"for network default: Stopped\" '$EV_TEXT' && grep -q \"for network default: Started\" '$EV_TEXT'"
expect_true "and in the JSON stream, with the network's uuid" \
    json_has "$EV_JSON" '.event == "started" and .network == "default" and (.uuid | length) == 36'

# 6. virsh's net-event: --event is required; one event, then "events received: 1"
expect_fail "net-event without --event or --list fails" vnet net-event
expect_match "with virsh's message" "either --list or --event <type> is required" "$E2E_OUT"
e2e_run vnet net-event --list
expect_match "net-event --list names lifecycle" '^lifecycle' "$E2E_OUT"
ip netns exec "$HOST_NS" "$VNET_BIN" --root "$ROOT" net-event --event lifecycle --timeout 20 \
    >"$E2E_TMP/one.txt" 2>&1 &
ONE=$!
E2E_PIDS+=("$ONE")
one_done() { pid_dead "$ONE"; }
wait_for 10 sh -c "ip netns exec $HOST_NS '$VNET_BIN' --root '$ROOT' destroy default >/dev/null 2>&1; \
    ip netns exec $HOST_NS '$VNET_BIN' --root '$ROOT' start default >/dev/null 2>&1; ! kill -0 $ONE 2>/dev/null"
expect_true "net-event returns after one event" one_done
expect_match "and prints virsh's trailer" "^events received: 1$" "$(cat "$E2E_TMP/one.txt")"
expect_fail "net-event with a timeout and no event fails as virsh does" \
    vnet net-event --event finding --network default --timeout 1
expect_match "saying it timed out" "event loop timed out" "$E2E_OUT"
expect_fail "events for an unknown network is refused" vnet events --network nosuch --timeout 1
expect_match "with virsh's message" "Network not found" "$E2E_OUT"

stop_pid "$EV1" INT
expect_match "the stream ends with the count on Ctrl-C" "^events received: [0-9]+$" "$(tail -n 1 "$EV_TEXT")"
# 7. --forwarding=hands-off: vnetd leaves the sysctl and reports it instead
vnetd_stop
vnetd_start --forwarding=hands-off || e2e_fatal "vnetd restarts with --forwarding=hands-off"
HO=$E2E_TMP/handsoff.json
ip netns exec "$HOST_NS" "$VNET_BIN" --root "$ROOT" events --json --timeout 30 >"$HO" 2>&1 &
E2E_PIDS+=("$!")
fin_has() { jq -e -s "map(select($1)) | length > 0" "$HO" >/dev/null 2>&1; }
# the stream is registered once a lifecycle event reaches it
wait_for 10 sh -c "ip netns exec $HOST_NS '$VNET_BIN' --root '$ROOT' define '$f' >/dev/null; \
    ip netns exec $HOST_NS '$VNET_BIN' --root '$ROOT' undefine probe >/dev/null; grep -q . '$HO'"
ip netns exec "$HOST_NS" sysctl -qw net.ipv4.ip_forward=0
expect_true "hands-off: the change is reported as a finding" \
    wait_for 5 fin_has '.event == "finding" and .sysctl == "net.ipv4.ip_forward" and .value == 0'
expect_eq "and ip_forward stays 0" "0" "$(ip netns exec "$HOST_NS" sysctl -n net.ipv4.ip_forward)"
e2e_run vnet doctor default
expect_match "doctor says it is off and who must fix it" "broken +default: forwarding: net.ipv4.ip_forward=0.*" "$E2E_OUT"
expect_match "with the sysctl to run" "fix: sysctl -w net.ipv4.ip_forward=1 \(vnetd leaves it: --forwarding=hands-off\)" "$E2E_OUT"
ip netns exec "$HOST_NS" sysctl -qw net.ipv4.ip_forward=1
expect_true "switched on again: the finding clears" \
    wait_for 5 fin_has '.event == "finding" and .sysctl == "net.ipv4.ip_forward" and .cleared == true'

e2e_done
