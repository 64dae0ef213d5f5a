#!/usr/bin/env bash
# Scenario 8: bad requests get virsh-like clear errors (exit 1, "error: ...") and change
# nothing; malformed, oversized and stuck clients on the socket leave the daemon answering;
# a non-root client may read but not change.
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_start
net_wait_active default || e2e_fatal "default network is active"
DEF=$ROOT/etc/vnet/networks

# state snapshot that must not change
snapshot() {
    {
        ls -R "$ROOT/etc" 2>&1
        ip -n "$HOST_NS" -br link 2>&1
        host_tables
        vnet list --all 2>&1
    } | sort
}
before=$(snapshot)

# invalid definitions
f=$(net_xml_file bad "<network><name>bad</name><bridge name='vt-bad0' stp='maybe'/><ip address='192.168.160.1' netmask='255.255.255.0'/></network>")
expect_rc "define of an invalid definition exits 1" 1 vnet define "$f"
expect_match "the error names the file and line" "^error: .*bad\.xml:[0-9]+:" "$E2E_OUT"
expect_match "the error names the attribute" "stp" "$E2E_OUT"
expect_false "no definition file was written" test -e "$DEF/bad.xml"
f=$(net_xml_file notxml "<network><name>notxml</name>")
expect_rc "define of malformed XML exits 1" 1 vnet define "$f"
expect_match "with an error naming the file" "^error: .*notxml\.xml" "$E2E_OUT"
f=$(net_xml_file range "$(net_xml range vt-rng0 192.168.161 nat "" "<range start='192.168.99.2' end='192.168.99.9'/>")")
expect_rc "define with a DHCP range outside the subnet exits 1" 1 vnet define "$f"
expect_match "with an error naming the range" "^error: .*range" "$E2E_OUT"
expect_false "no definition file was written" test -e "$DEF/range.xml"
expect_rc "define of a missing file exits 1" 1 vnet define "$E2E_TMP/nonexistent.xml"
expect_match "with an error naming the file" "^error: .*nonexistent\.xml" "$E2E_OUT"

# operations in the wrong state
expect_rc "start of an active network exits 1" 1 vnet start default
expect_eq "virsh's message" "error: Failed to start network default
error: Requested operation is not valid: network 'default' is already active" "$E2E_OUT"
expect_true "default is still defined" test -e "$DEF/default.xml"
expect_true "default is still active" net_active default
uuid=$(vnet uuid default)
expect_match "vnet uuid prints a uuid" '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' "$uuid"
other=00000000-1111-2222-3333-444444444444
f=$(net_xml_file dup "<network><name>default</name><uuid>$other</uuid><bridge name='vt-dup0'/><ip address='192.168.162.1' netmask='255.255.255.0'/></network>")
expect_rc "define over an existing name with another uuid exits 1" 1 vnet define "$f"
expect_eq "virsh's message" "error: Failed to define network from $f
error: operation failed: network 'default' already exists with uuid $uuid" "$E2E_OUT"

after=$(snapshot)
expect_eq "none of the refused requests changed anything" "$before" "$after"

f=$(net_xml_file e2einact "$(net_xml e2einact vt-in0 192.168.163 nat)")
expect_ok "define e2einact" vnet define "$f"
expect_rc "destroy of an inactive network exits 1" 1 vnet destroy e2einact
expect_eq "virsh's message" "error: Failed to destroy network e2einact
error: Requested operation is not valid: network 'e2einact' is not active" "$E2E_OUT"
expect_false "bridge vt-in0 was not created" link_exists vt-in0

# unknown names
for cmd in start destroy undefine info dumpxml autostart dhcp-leases; do
    expect_rc "$cmd of an unknown network exits 1" 1 vnet "$cmd" nosuch
    expect_eq "virsh's message ($cmd)" "error: failed to get network 'nosuch'
error: Network not found: no network with matching name 'nosuch'" "$E2E_OUT"
done
expect_rc "name of an unknown uuid exits 1" 1 vnet name "$other"
expect_eq "virsh's message (uuid)" "error: failed to get network '$other'
error: Network not found: no network with matching uuid '$other'" "$E2E_OUT"
expect_rc "net- alias works and fails the same" 1 vnet net-start nosuch
expect_eq "virsh's message (net-start)" "error: failed to get network 'nosuch'
error: Network not found: no network with matching name 'nosuch'" "$E2E_OUT"

# the socket: malformed, not an object, unknown op, oversized, stuck
SOCK=$(vnetd_socket)
raw() { timeout 10 socat -t 5 - "UNIX-CONNECT:$SOCK" 2>&1; }
e2e_run raw <<<'this is not json'
expect_match "malformed request gets ok:false" '"ok" *: *false' "$E2E_OUT"
e2e_run raw <<<'[1, 2, 3]'
expect_match "a non-object request gets ok:false" '"ok" *: *false' "$E2E_OUT"
e2e_run raw <<<'{"op": "frobnicate"}'
expect_match "an unknown op gets ok:false" '"ok" *: *false' "$E2E_OUT"
e2e_run raw <<<'{"op": "start"}'
expect_match "a request missing its name gets ok:false" '"ok" *: *false' "$E2E_OUT"
e2e_run raw <<<'{"op": "update", "name": "default", "command": "add", "section": "ip-dhcp-host", "xml": "<host/>", "parent_index": 4611686018427387904}'
expect_match "parent_index 2^62 is refused, not truncated" 'out of range: 4611686018427387904' "$E2E_OUT"
e2e_run raw <<<'{"op": "ping"}'
expect_match "ping answers ok:true" '"ok" *: *true' "$E2E_OUT"
oversized() {
    { printf '{"op":"list","pad":"'; head -c 34000000 /dev/zero | tr '\0' a; printf '"}'; } |
        timeout 10 socat -t 5 - "UNIX-CONNECT:$SOCK" 2>&1
}
e2e_run oversized
expect_no_match "an oversized (34 MB, over the 32 MiB limit) request is not served" '"ok" *: *true' "$E2E_OUT"
expect_true "the daemon still answers after bad requests" vnetd_answers

# connects, never sends, never half-closes; exits when the daemon closes the connection
e2e_bg socat -u "UNIX-CONNECT:$SOCK" "CREATE:$E2E_TMP/stuck.out"
stuck_pid=$E2E_BG_PID
expect_true "a client that connects and sends nothing is connected" wait_for 5 pid_alive "$stuck_pid"
expect_ok "the daemon answers others while a client is stuck" timeout 3 "$VNET_BIN" --root "$ROOT" list
expect_true "the daemon drops the stuck client within its bound (10 s)" wait_for 10 pid_dead "$stuck_pid"
stop_pid "$stuck_pid"
e2e_log "the daemon told the stuck client: $(cat "$E2E_TMP/stuck.out" 2>&1)"

# non-root clients: read-only
nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$VNET_BIN" --root "$ROOT" "$@"; }
expect_ok "a non-root user can list" nobody list
expect_match "and sees default" default "$E2E_OUT"
expect_rc "a non-root user cannot destroy" 1 nobody destroy default
expect_match "with an error" "^error: " "$E2E_OUT"
expect_true "default is still active" net_active default
expect_true "the daemon is still running" pid_alive "$VNETD_PID"
e2e_done
