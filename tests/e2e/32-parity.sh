#!/usr/bin/env bash
# Scenario 32: libvirt 9.0 parity details on a running network. The bridge takes the subnet's
# first address (libvirt's docs' IPv6 NAT example); a <route> without metric gets metric 1;
# ipv6='yes' without IPv6 addresses keeps IPv6 disabled on the bridge; accept_ra and autoconf
# are 0 on every bridge; a DHCP host outside the subnet is accepted with a warning.
. "$(dirname "$0")/lib.sh"
e2e_init
e2e_start

sysctl_of() { ip netns exec "$HOST_NS" cat "/proc/sys/net/ipv6/conf/$1/$2"; }

f=$(net_xml_file p4 "<network ipv6='yes'><name>p4</name><forward mode='route'/>
  <bridge name='vt-p4'/>
  <ip address='192.168.171.1' prefix='24'>
    <dhcp><range start='192.168.171.10' end='192.168.171.20'/>
      <host mac='52:54:00:00:00:09' ip='10.99.0.9'/></dhcp>
  </ip>
  <route address='10.171.0.0' prefix='16' gateway='192.168.171.2'/>
  <route address='10.172.0.0' prefix='16' gateway='192.168.171.2' metric='7'/>
</network>")
e2e_run vnet define "$f"
expect_eq "a DHCP host outside the subnet is accepted" 0 "$E2E_RC"
expect_match "with a warning naming it" "warning: .*p4.xml:5: <host> attribute 'ip': 10.99.0.9 is outside network 192.168.171.1/24" "$E2E_OUT"
expect_ok "start p4" vnet start p4
expect_match "a route without metric gets metric 1" "10.171.0.0/16 via 192.168.171.2 .*metric 1( |$)" \
    "$(ip -n "$HOST_NS" route show dev vt-p4)"
expect_match "a route with a metric keeps it" "10.172.0.0/16 via 192.168.171.2 .*metric 7( |$)" \
    "$(ip -n "$HOST_NS" route show dev vt-p4)"
expect_eq "ipv6='yes' without IPv6 addresses: IPv6 stays disabled on the bridge" 1 "$(sysctl_of vt-p4 disable_ipv6)"
expect_eq "accept_ra is 0 on the bridge" 0 "$(sysctl_of vt-p4 accept_ra)"
expect_eq "autoconf is 0 on the bridge" 0 "$(sysctl_of vt-p4 autoconf)"
expect_ok "destroy p4" vnet destroy p4

f=$(net_xml_file default6 "<network>
  <name>default6</name>
  <bridge name='vt-d6'/>
  <forward mode='nat'><nat ipv6='yes'><port start='1024' end='65535'/></nat></forward>
  <ip address='192.168.172.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.172.2' end='192.168.172.254'/></dhcp>
  </ip>
  <ip family='ipv6' address='fd01:2345:6789:0123::' prefix='64'/>
</network>")
expect_ok "libvirt's docs' IPv6 NAT network (bridge on the subnet's first address) is defined" vnet define "$f"
expect_ok "and starts" vnet start default6
expect_match "the bridge holds fd01:2345:6789:123::/64" "inet6 fd01:2345:6789:123::/64" \
    "$(ip -n "$HOST_NS" addr show dev vt-d6)"
expect_eq "IPv6 is on for it" 0 "$(sysctl_of vt-d6 disable_ipv6)"
expect_eq "accept_ra 0" 0 "$(sysctl_of vt-d6 accept_ra)"
expect_eq "autoconf 0" 0 "$(sysctl_of vt-d6 autoconf)"
expect_ok "destroy default6" vnet destroy default6
e2e_done
