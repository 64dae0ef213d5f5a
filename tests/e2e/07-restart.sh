#!/usr/bin/env bash
# Scenario 7: daemon restarts do not disturb guests. vnetd killed with SIGKILL and started
# again adopts the running network: a NAT'd TCP connection opened before the kill keeps
# working after it, dnsmasq is kept. SIGTERM leaves networks running too. After a "reboot"
# (fresh host namespace, same ROOT, run dir emptied) the autostart networks come up again.
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_start

expect_true "default network is active" net_wait_active default
guest_add g1 virbr0 || e2e_fatal "guest g1 plugged"
ip1=$(dhcp_dhclient g1 e2e-g1)
expect_match "guest gets a lease" '^192\.168\.122\.' "$ip1"
line_server 7001 || e2e_fatal "upstream line server listens"
conn_open "$(guest_ns g1)" "$UPLINK_UP" 7001
conn_say before
expect_eq "long-lived connection answers before the kill" "$UPLINK_HOST before" "$CONN_REPLY"
dns_pid=$(dnsmasq_pid_of default)
expect_match "default's dnsmasq runs" '^[0-9]+$' "$dns_pid"

log_mark=$(wc -l <"$VNETD_LOG")
vnetd_stop KILL
expect_true "after SIGKILL, virbr0 is still there" link_exists virbr0
expect_true "after SIGKILL, dnsmasq still runs" pid_alive "$dns_pid"
conn_say while-down
expect_eq "the connection works while vnetd is down" "$UPLINK_HOST while-down" "$CONN_REPLY"

vnetd_start || e2e_fatal "vnetd starts again after SIGKILL"
e2e_pass "vnetd starts again after SIGKILL"
e2e_run vnet list
expect_match "vnet list shows default active after the restart" '^ *default +active +yes +yes *$' "$E2E_OUT"
conn_say after
expect_eq "the connection opened before the kill still works" "$UPLINK_HOST after" "$CONN_REPLY"
expect_eq "dnsmasq was adopted, not restarted" "$dns_pid" "$(dnsmasq_pid_of default)"
expect_false "the table was adopted as it was, not re-installed (its recorded digest is the kernel's)" \
    grep -q "firewall table was" <(tail -n +$((log_mark + 1)) "$VNETD_LOG")
expect_eq "a new connection after the restart is NAT'd" "$UPLINK_HOST new" \
    "$(line_ask "$(guest_ns g1)" $UPLINK_UP 7001 new)"
e2e_run vnet dhcp-leases default
expect_match "the lease is still listed" "$ip1" "$E2E_OUT"

# autostart: e2eauto is marked, e2emanual is not
f=$(net_xml_file e2eauto "$(net_xml e2eauto vt-auto0 192.168.158 nat)")
expect_ok "define e2eauto" vnet define "$f"
expect_ok "autostart e2eauto" vnet autostart e2eauto
expect_eq "autostart prints virsh's message" "Network e2eauto marked as autostarted" "$E2E_OUT"
f=$(net_xml_file e2emanual "$(net_xml e2emanual vt-man0 192.168.159 nat)")
expect_ok "define e2emanual" vnet define "$f"
expect_false "marking autostart does not start e2eauto" net_active e2eauto

vnetd_stop TERM
expect_true "after SIGTERM, virbr0 is still there" link_exists virbr0
expect_true "after SIGTERM, the table is still there" table_exists virbr0
expect_true "after SIGTERM, dnsmasq still runs" pid_alive "$dns_pid"
conn_say after-term
expect_eq "the connection works after SIGTERM" "$UPLINK_HOST after-term" "$CONN_REPLY"

# "reboot": a fresh host namespace, same ROOT, the run dir (tmpfs on a real host) emptied
stop_pid "$CONN_PID"
e2e_reboot_host || e2e_fatal "fresh host namespace"
rm -rf "$ROOT/run"
vnetd_start || e2e_fatal "vnetd starts after the reboot"
e2e_pass "vnetd starts after the reboot"
expect_true "default is active after the reboot" net_wait_active default
expect_true "e2eauto is active after the reboot" net_wait_active e2eauto
expect_false "e2emanual stays inactive" net_active e2emanual
expect_true "bridge virbr0 exists again" link_exists virbr0
expect_true "bridge vt-auto0 exists" link_exists vt-auto0
expect_true "table vnet-vt-auto0 exists" table_exists vt-auto0
guest_add a1 vt-auto0 || e2e_fatal "guest a1 plugged into vt-auto0"
ip2=$(dhcp_udhcpc a1 e2e-a1)
expect_match "a guest on e2eauto gets a lease" '^192\.168\.158\.1[0-9][0-9]$' "$ip2"
expect_eq "and is NAT'd to the upstream" "$UPLINK_HOST x" "$(line_ask "$(guest_ns a1)" $UPLINK_UP 7001 x)"
e2e_done
