#!/usr/bin/env bash
# Scenario 6: destroy removes everything start made (bridge, nft table, dnsmasq, status and
# dnsmasq files) and keeps only the definition and, as libvirt does, the DHCP leases; undefine
# removes both; a transient
# network (create) leaves nothing at all once destroyed.
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_start

net_define_start e2egone "$(net_xml e2egone vt-gone0 192.168.156 nat)" || e2e_fatal "network e2egone is up"
guest_add d1 vt-gone0 || e2e_fatal "guest d1 plugged"
ip1=$(dhcp_udhcpc d1 e2e-d1)
expect_match "guest gets a lease (so a lease file exists)" '^192\.168\.156\.' "$ip1"
pid=$(dnsmasq_pid_of e2egone)
expect_match "a dnsmasq runs for e2egone" '^[0-9]+$' "$pid"
expect_true "bridge vt-gone0 exists" link_exists vt-gone0
expect_true "table vnet-vt-gone0 exists" table_exists vt-gone0
before=$(files_of e2egone)
e2e_log "files of e2egone while active:"
e2e_diag "$before"
expect_match "a status file exists while active" "/run/vnet/status/" "$before"

expect_ok "destroy e2egone" vnet destroy e2egone
expect_eq "destroy prints virsh's message" "Network e2egone destroyed" "$E2E_OUT"
expect_false "bridge vt-gone0 is gone" link_exists vt-gone0
expect_false "table vnet-vt-gone0 is gone" table_exists vt-gone0
expect_true "dnsmasq (pid $pid) has exited" wait_for 5 pid_dead "$pid"
expect_eq "only the definition and the leases are left under ROOT" \
    "$ROOT/etc/vnet/networks/e2egone.xml $ROOT/var/lib/vnet/dnsmasq/e2egone.leases" "$(files_of e2egone | xargs)"
expect_false "e2egone is inactive" net_active e2egone
e2e_run vnet list --all
expect_match "list --all shows it inactive" '^ *e2egone +inactive +no +yes *$' "$E2E_OUT"
expect_true "the default network is untouched (bridge)" link_exists virbr0
expect_true "the default network is untouched (table)" table_exists virbr0

expect_ok "undefine e2egone" vnet undefine e2egone
expect_eq "undefine prints virsh's message" "Network e2egone has been undefined" "$E2E_OUT"
expect_eq "no file of e2egone is left" "" "$(files_of e2egone)"
expect_rc "info of the undefined network fails" 1 vnet info e2egone
expect_match "with virsh's not-found message" "^error: Network not found: no network with matching name 'e2egone'" "$E2E_OUT"

# transient network: create, destroy, nothing left
f=$(net_xml_file e2etmp "$(net_xml e2etmp vt-tmp0 192.168.157 nat)")
rm -f "$ROOT/etc/vnet/networks/e2etmp.xml"
expect_ok "create a transient network" vnet create "$f"
expect_eq "create prints virsh's message" "Network e2etmp created from $f" "$E2E_OUT"
expect_true "it is active" net_active e2etmp
expect_false "it is not saved as a definition" test -e "$ROOT/etc/vnet/networks/e2etmp.xml"
e2e_run vnet info e2etmp
expect_match "info says Persistent: no" '^Persistent: +no' "$E2E_OUT"
pid=$(dnsmasq_pid_of e2etmp)
expect_ok "destroy the transient network" vnet destroy e2etmp
expect_false "its bridge is gone" link_exists vt-tmp0
expect_false "its table is gone" table_exists vt-tmp0
[ -z "$pid" ] || expect_true "its dnsmasq has exited" wait_for 5 pid_dead "$pid"
expect_eq "no file of it is left under ROOT" "" "$(files_of e2etmp)"
e2e_run vnet list --all --name
expect_no_match "it is gone from list --all" '^ *e2etmp *$' "$E2E_OUT"
e2e_done
