#!/usr/bin/env bash
# Scenario 21: leases are kept, as libvirt keeps them. A network with room for exactly one
# dynamic address (and dnsmasq's ping check off, as vnet runs it): guest A takes it. After
# destroy + start, and after a vnetd restart, the lease is still there, so guest B (another
# MAC) gets no address instead of A's; A gets its own address back. `vnet undefine` removes
# the lease file.
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_start
net_wait_active default || e2e_fatal "default network is active"

leasefile=$ROOT/var/lib/vnet/dnsmasq/one.leases
f=$E2E_TMP/one.xml
cat >"$f" <<XML
<network>
  <name>one</name>
  <forward mode='nat'/>
  <bridge name='vt-one0' stp='off'/>
  <ip address='192.168.174.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.174.100' end='192.168.174.100'/></dhcp>
  </ip>
</network>
XML
expect_ok "define one (a single dynamic address)" vnet define "$f"
expect_ok "start one" vnet start one

guest_add a vt-one0 52:54:00:aa:00:01 || e2e_fatal "guest a plugged"
guest_add b vt-one0 52:54:00:bb:00:02 || e2e_fatal "guest b plugged"
ipa=$(dhcp_udhcpc a lease-a)
expect_eq "guest a gets the one address" 192.168.174.100 "$ipa"
expect_true "the lease is in the lease file" grep -q 52:54:00:aa:00:01 "$leasefile"

# a new bridge has no ports: plug the guests back, as a hypervisor would
replug() {
    ip -n "$HOST_NS" link set ve-a master vt-one0 && ip -n "$HOST_NS" link set ve-b master vt-one0
}

# udhcpc for b with few tries: it must NOT get an address
b_try() {
    ip -n "$(guest_ns b)" -4 addr flush dev eth0
    timeout 20 ip netns exec "$(guest_ns b)" udhcpc -i eth0 -s "$E2E_TMP/udhcpc-script.sh" \
        -n -q -f -t 3 -T 1 >/dev/null 2>&1
    guest_ip b
}

expect_ok "destroy one" vnet destroy one
expect_true "destroy keeps the lease file" grep -q 52:54:00:aa:00:01 "$leasefile"
expect_ok "start one again" vnet start one
expect_true "guests plugged back" replug
expect_eq "guest b does not get guest a's address after destroy + start" "" "$(b_try)"
e2e_run vnet dhcp-leases one
expect_match "dhcp-leases still lists guest a" '52:54:00:aa:00:01 +ipv4 +192\.168\.174\.100/24' "$E2E_OUT"
ip -n "$(guest_ns a)" -4 addr flush dev eth0
expect_eq "guest a gets its address again" 192.168.174.100 "$(dhcp_udhcpc a lease-a)"

vnetd_stop TERM
vnetd_start || e2e_fatal "vnetd restarts"
expect_ok "destroy one (after the daemon restart)" vnet destroy one
expect_ok "start one" vnet start one
expect_true "guests plugged back" replug
expect_eq "guest b still gets no address after a daemon restart" "" "$(b_try)"
ip -n "$(guest_ns a)" -4 addr flush dev eth0
ipa2=$(dhcp_udhcpc a lease-a)
expect_eq "guest a gets its own address back" 192.168.174.100 "$ipa2"

expect_ok "destroy one" vnet destroy one
expect_ok "undefine one" vnet undefine one
expect_false "undefine removes the lease file" test -e "$leasefile"
e2e_done
