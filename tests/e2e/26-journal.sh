#!/usr/bin/env bash
# Scenario 26: forward changes are saved as journal lines (O(1) per change), durable across a
# SIGKILL of vnetd, and folded into the definition when vnetd loads it again.
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_start

J=$ROOT/etc/vnet/networks/default.journal
X=$ROOT/etc/vnet/networks/default.xml
expect_true "built-in default network is active" net_wait_active default
expect_ok "forward-add tcp 8080" vnet forward-add default --proto tcp --port 8080 --to 192.168.122.50:80
expect_ok "forward-add tcp 8081" vnet forward-add default --proto tcp --port 8081 --to 192.168.122.51:81
expect_ok "forward-add udp 9000-9002" vnet forward-add default --proto udp --port 9000-9002 \
    --to 192.168.122.52:7000-7002
expect_ok "forward-del tcp 8080" vnet forward-del default --proto tcp --port 8080
expect_eq "the journal holds the four changes" 4 "$(wc -l <"$J" 2>/dev/null)"
expect_false "the definition file was not re-written for them" grep -q "start='8081'" "$X"

vnetd_stop KILL
vnetd_start || e2e_fatal "vnetd restarts after SIGKILL"
e2e_run vnet forward-list default
expect_match "after the crash, 8081 is still forwarded" '8081' "$E2E_OUT"
expect_match "and the udp range" '9000' "$E2E_OUT"
expect_no_match "and 8080 is still removed" '8080' "$E2E_OUT"
expect_true "the definition now holds the journaled forwards" grep -q "start='8081'" "$X"
expect_false "the deleted one is not in it" grep -q "start='8080'" "$X"
expect_false "the journal was folded (removed)" test -e "$J"
expect_match "the live map still has 8081" '8081' \
    "$(ip netns exec "$HOST_NS" nft list map inet vnet-virbr0 pf4_any 2>&1)"

# A full save (define) replaces the journal: nothing stale is replayed later.
expect_ok "forward-add tcp 8082" vnet forward-add default --proto tcp --port 8082 --to 192.168.122.53:80
expect_true "journaled" test -s "$J"
expect_ok "dumpxml > file" sh -c "ip netns exec $HOST_NS $VNET_BIN --root $ROOT dumpxml --inactive default >$E2E_TMP/d.xml"
expect_ok "define it again" vnet define "$E2E_TMP/d.xml"
expect_false "define removed the journal" test -e "$J"
expect_true "and the definition has 8082" grep -q "start='8082'" "$X"
# vnet reload re-reads the definition files: journaled forwards are folded in, not lost.
expect_ok "forward-add tcp 8083" vnet forward-add default --proto tcp --port 8083 --to 192.168.122.54:80
expect_ok "vnet reload" vnet reload
e2e_run vnet forward-list default
expect_match "after reload, the journaled 8083 is still there" '8083' "$E2E_OUT"
expect_true "and in the definition file" grep -q "start='8083'" "$X"
e2e_done
