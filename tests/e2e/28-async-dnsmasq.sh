#!/usr/bin/env bash
# Scenario 28: vnetd's loop never waits for dnsmasq (issue 13). With a dnsmasq that is slow to get
# ready and slow to exit (tests/e2e/slow-dnsmasq.sh, given with --dnsmasq: it ignores SIGTERM for a
# while, as long as the test holds it), while a destroy (control socket, then libvirt's
# networkDestroy) and a libvirt networkCreateXML wait for it: `vnet list` and another client's
# python3-libvirt listNetworks() answer before the pending call does; a second destroy or a start
# of the stopping network is refused as busy; each pending call answers once dnsmasq has exited
# (the network then fully down: dnsmasq, bridge, table, files gone) or serves; a live net-update
# and a repair that restart dnsmasq wait for it the same way. virsh net-create /
# net-destroy on vnetd's libvirt socket work with it; a vnetd killed while a destroy waits adopts the
# network at its next start. Ordering is checked, not timings.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/libvirt-lib.sh"
e2e_init
lv_require
CTL=$E2E_TMP/ctl
mkdir -p "$CTL"
SLOW=$E2E_TMP/slow-dnsmasq
sed "s|@CTL@|$CTL|" "$E2E_DIR/slow-dnsmasq.sh" >"$SLOW"
chmod 755 "$SLOW"
e2e_start --dnsmasq "$SLOW"

# real_dnsmasq_of NAME: the pid of the dnsmasq itself (not the wrapper) serving NAME
real_dnsmasq_of() {
    local pid
    for pid in $(ip netns pids "$HOST_NS" 2>/dev/null); do
        [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dnsmasq ] || continue
        if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "/$1\.conf"; then
            echo "$pid"
            return 0
        fi
    done
    return 1
}
expect_true "the default network came up with the slow dnsmasq" grep -qx ready "$CTL/default.log"

# ---- destroy over the control socket
net_define_start a1 "$(net_xml a1 vt-a10 192.168.191 nat)" || e2e_fatal "network a1 is up"
real=$(real_dnsmasq_of a1)
expect_match "a dnsmasq runs for a1" '^[0-9]+$' "$real"
touch "$CTL/a1.hold-stop"
vnet destroy a1 >"$E2E_TMP/destroy.out" 2>&1 &
destroyer=$!
expect_true "a1's dnsmasq got SIGTERM" wait_for 20 grep -qx term "$CTL/a1.log"
expect_ok "vnet list answers while the destroy waits for dnsmasq" vnet list
expect_match "... listing a1 as still active" '^ *a1 +active' "$E2E_OUT"
expect_true "... before the destroy answered" pid_alive "$destroyer"
expect_rc "a second destroy meanwhile is refused" 1 vnet destroy a1
expect_match "... as busy" "network 'a1' is stopping \(waiting for its dnsmasq to exit\)" "$E2E_OUT"
expect_rc "starting it meanwhile is refused" 1 vnet start a1
expect_match "... as busy" "network 'a1' is stopping" "$E2E_OUT"
expect_true "... and the destroy is still pending" pid_alive "$destroyer"
rm -f "$CTL/a1.hold-stop"
wait "$destroyer"
expect_eq "the destroy succeeds once dnsmasq has exited" 0 "$?"
expect_eq "... with virsh's message" "Network a1 destroyed" "$(cat "$E2E_TMP/destroy.out")"
expect_true "dnsmasq's exit came before the reply" grep -qx exited "$CTL/a1.log"
expect_true "a1's dnsmasq is gone" pid_dead "$real"
expect_false "bridge vt-a10 is gone" link_exists vt-a10
expect_false "table vnet-vt-a10 is gone" table_exists vt-a10
expect_eq "only the definition and the leases are left of a1" \
    "$ROOT/etc/vnet/networks/a1.xml $ROOT/var/lib/vnet/dnsmasq/a1.leases" "$(files_of a1 | xargs)"
expect_false "a1 is inactive" net_active a1

# ---- a live net-update that restarts dnsmasq: the old one's exit and the new one's readiness
expect_ok "start a1 again" vnet start a1
old=$(real_dnsmasq_of a1)
touch "$CTL/a1.hold-stop"
: >"$CTL/a1.log"
vnet update a1 add dns-txt "<txt name='probe.a1' value='updated'/>" --live >"$E2E_TMP/update.out" 2>&1 &
updater=$!
expect_true "the old dnsmasq got SIGTERM" wait_for 20 grep -qx term "$CTL/a1.log"
expect_ok "vnet list answers while the update waits for dnsmasq" vnet list
expect_true "... before the update answered" pid_alive "$updater"
expect_rc "another update meanwhile is refused" 1 \
    vnet update a1 add dns-txt "<txt name='other.a1' value='x'/>" --live
expect_match "... as busy" "network 'a1' is restarting its dnsmasq" "$E2E_OUT"
expect_rc "destroying it meanwhile is refused" 1 vnet destroy a1
rm -f "$CTL/a1.hold-stop"
wait "$updater"
expect_eq "the update succeeds once the new dnsmasq serves" 0 "$?"
expect_eq "the old dnsmasq exited, then the new one got ready" "term exited starting ready" \
    "$(xargs <"$CTL/a1.log")"
expect_true "the old dnsmasq is gone" pid_dead "$old"
expect_match "the new dnsmasq serves the new record" 'updated' \
    "$(ip netns exec "$HOST_NS" dig +short +time=2 +tries=2 @192.168.191.1 probe.a1 txt)"

# ---- a repair that restarts a dead dnsmasq waits for the new one as an event too
: >"$CTL/a1.log"
touch "$CTL/a1.hold-start"
old=$(real_dnsmasq_of a1)
expect_match "the real dnsmasq of a1 is found" '^[0-9]+$' "$old"
kill -KILL "$old"
expect_true "the repair launched a new dnsmasq" wait_for 20 grep -qx starting "$CTL/a1.log"
expect_ok "vnet list answers while the repair waits for dnsmasq" vnet list
expect_false "... before the new dnsmasq is ready" grep -qx ready "$CTL/a1.log"
rm -f "$CTL/a1.hold-start"
expect_true "the new dnsmasq gets ready" wait_for 20 grep -qx ready "$CTL/a1.log"
expect_true "vnetd logs the repair" wait_for 20 grep -q "network 'a1': repaired (dnsmasq" "$VNETD_LOG"
expect_match "the new dnsmasq serves" 'updated' \
    "$(ip netns exec "$HOST_NS" dig +short +time=2 +tries=2 @192.168.191.1 probe.a1 txt)"
# the bridge deleted by someone: re-created, and the old dnsmasq (bound to the old device)
# replaced: its exit and the new one's readiness are both waited for as events
: >"$CTL/a1.log"
touch "$CTL/a1.hold-stop"
old=$(real_dnsmasq_of a1)
ip -n "$HOST_NS" link del vt-a10
expect_true "the repair asked the old dnsmasq to exit" wait_for 20 grep -qx term "$CTL/a1.log"
expect_ok "vnet list answers while the repair waits for it" vnet list
expect_false "... before it exited" grep -qx exited "$CTL/a1.log"
rm -f "$CTL/a1.hold-stop"
expect_true "then the new dnsmasq gets ready" wait_for 20 grep -qx ready "$CTL/a1.log"
expect_eq "in that order" "term exited starting ready" "$(xargs <"$CTL/a1.log")"
expect_true "the bridge is back" link_exists vt-a10
expect_true "the old dnsmasq is gone" pid_dead "$old"
expect_true "the new dnsmasq answers" wait_for 10 sh -c \
    "ip netns exec '$HOST_NS' dig +short +time=1 +tries=1 @192.168.191.1 probe.a1 txt | grep -q updated"
expect_ok "destroy a1" vnet destroy a1

# ---- libvirt RPC: networkDestroy and networkCreateXML wait without holding anyone up
net_define_start a2 "$(net_xml a2 vt-a20 192.168.192 nat)" || e2e_fatal "network a2 is up"
real=$(real_dnsmasq_of a2)
f=$(net_xml_file a3 "$(net_xml a3 vt-a30 192.168.193 nat)")
lv_py async "$(lv_sock)" "$CTL" a2 "$f"
expect_true "a2's dnsmasq is gone" pid_dead "$real"
expect_false "bridge vt-a20 is gone" link_exists vt-a20
expect_false "table vnet-vt-a20 is gone" table_exists vt-a20
expect_true "a3 (created through libvirt) is active" net_active a3
pid=$(real_dnsmasq_of a3)
expect_match "a dnsmasq runs for a3" '^[0-9]+$' "$pid"
expect_match "a3's dnsmasq answers DNS" 'dnsmasq' \
    "$(ip netns exec "$HOST_NS" dig +short +time=2 +tries=2 @192.168.193.1 version.bind chaos txt)"

# ---- virsh net-destroy / net-create on vnetd's libvirt socket
expect_ok "virsh net-destroy a3 (transient)" virsh_full net-destroy a3
expect_match "... says so" "Network a3 destroyed" "$E2E_OUT"
expect_true "... after its dnsmasq exited" grep -qx exited "$CTL/a3.log"
expect_true "a3's dnsmasq is gone" pid_dead "$pid"
expect_eq "nothing is left of a3" "" "$(files_of a3 | grep -v "^$E2E_TMP/a3.xml$")"
expect_ok "virsh net-create" virsh_full net-create "$f"
expect_match "... says so" "Network a3 created from" "$E2E_OUT"
expect_true "a3 is active again" net_active a3
expect_ok "virsh net-destroy a3 again" virsh_rw net-destroy a3
expect_false "bridge vt-a30 is gone" link_exists vt-a30
expect_ok "virsh net-start a2" virsh_rw net-start a2
expect_ok "virsh net-update --live (dnsmasq restarted)" \
    virsh_full net-update a2 add dns-txt "<txt name='probe.a2' value='viavirsh'/>" --live
expect_match "... says so" "Updated network a2 live state" "$E2E_OUT"
expect_match "... and the new dnsmasq serves the record" 'viavirsh' \
    "$(ip netns exec "$HOST_NS" dig +short +time=2 +tries=2 @192.168.192.1 probe.a2 txt)"
expect_ok "virsh net-destroy a2" virsh_rw net-destroy a2
expect_false "bridge vt-a20 is gone" link_exists vt-a20
e2e_run ip netns exec "$HOST_NS" nft list tables
expect_no_match "no table of a1-a3 is left" 'vt-a[123]0' "$E2E_OUT"

# ---- vnetd killed while a destroy waits for dnsmasq: the destroy never answered, so the
# network is still active after the restart (adopted from its status file), and a destroy then works
expect_ok "start a2 again" vnet start a2
old=$(real_dnsmasq_of a2)
: >"$CTL/a2.log"
touch "$CTL/a2.hold-stop"
vnet destroy a2 >"$E2E_TMP/destroy2.out" 2>&1 &
destroyer=$!
expect_true "a2's dnsmasq got SIGTERM" wait_for 20 grep -qx term "$CTL/a2.log"
vnetd_stop KILL
wait "$destroyer"
expect_true "the destroy got no success reply" test "$?" -ne 0
rm -f "$CTL/a2.hold-stop"
expect_true "the old dnsmasq exits" wait_for 10 pid_dead "$old"
vnetd_start --dnsmasq "$SLOW" || e2e_fatal "vnetd starts again"
expect_true "a2 is active again (adopted)" net_active a2
expect_true "with its bridge" link_exists vt-a20
expect_match "and a new dnsmasq" '^[0-9]+$' "$(real_dnsmasq_of a2)"
expect_ok "destroy a2 now" vnet destroy a2
expect_false "its bridge is gone" link_exists vt-a20
expect_false "its table is gone" table_exists vt-a20
e2e_done
