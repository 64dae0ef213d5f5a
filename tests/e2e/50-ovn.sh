#!/bin/bash
# OVN networks across two simulated chassis. Every OVN/OVS daemon is started here with its own
# run/db/log directory under the run's temp dir (never the machine's), inside namespaces:
#   central  ovsdb-server (NB), ovsdb-server (SB), ovn-northd
#   host A/B ovsdb-server + ovs-vswitchd (userspace "netdev" datapath: no kernel module needed),
#            ovn-controller, vnetd (which writes the chassis settings: system-id, encap, ovn-remote)
#   underlay a veth between A and B, each end in bridge br-phy whose internal port holds the
#            encap address (the netdev datapath sends tunnel packets through it)
# Guests are namespaces whose veth sits in br-int with external_ids:iface-id = the port's
# interfaceid. NB/SB databases are reached over unix sockets in the temp dir.
source "$(dirname "$0")/lib.sh"
e2e_init
e2e_check_binaries
source "$(dirname "$0")/ovn-lib.sh"
NET=ovl
NET_UUID=5d0c7e1a-9b7f-4b8e-8a55-0f3c2d1e4b6a

ovn_two_hosts
e2e_pass "central and two chassis run in namespaces with their own directories"

# ---- chassis configuration written by vnetd
expect_eq "vnetd wrote system-id on host A" 'hosta' \
    "$(vsctl a get Open_vSwitch . external_ids:system-id | tr -d '"')"
expect_eq "vnetd wrote the encap IP on host B (from its ovn.conf)" '172.31.0.2' \
    "$(vsctl b get Open_vSwitch . external_ids:ovn-encap-ip | tr -d '"')"
printf 'ovn-chassis = x\novn-encap = 10.0.0.1\n' >"$T/bad-ovn.conf"
e2e_run ip netns exec "$(ns_of a)" "$VNETD_BIN" --root "$T/bad-root" --foreground --ovn-config "$T/bad-ovn.conf"
expect_match "a bad --ovn-config stops vnetd with FILE:LINE and the reason (exit 2)" \
    "^2:vnetd: $T/bad-ovn.conf:2: unknown key 'ovn-encap'" "$E2E_RC:$E2E_OUT"
expect_true "both chassis register in the SB database" \
    wait_for 20 sh -c "ovn-sbctl --db='$SB' --columns=name list Chassis | grep -q hosta &&
                        ovn-sbctl --db='$SB' --columns=name list Chassis | grep -q hostb"

# ---- the same network defined and started on both hosts: one logical network
cat >"$T/$NET.xml" <<XML
<network xmlns:vnet='urn:vnet:network:1'>
  <name>$NET</name>
  <uuid>$NET_UUID</uuid>
  <forward mode='nat'/>
  <vnet:ovn nb='$NB' gateway-chassis='hosta' external='198.51.100.10/24'
            external-gateway='198.51.100.1' physnet='upstream'/>
  <domain name='ovl.test'/>
  <dns><host ip='10.91.0.5'><hostname>db</hostname></host></dns>
  <ip address='10.91.0.1' prefix='24'>
    <dhcp><range start='10.91.0.100' end='10.91.0.150'/></dhcp>
  </ip>
  <ip family='ipv6' address='fd00:91::1' prefix='64'/>
</network>
XML
for h in a b; do
    expect_ok "define on host $h" vnet_on "$h" define "$T/$NET.xml"
    expect_ok "start on host $h" vnet_on "$h" start "$NET"
done
expect_eq "one logical switch for the network" "1" \
    "$(nbctl --bare --columns=_uuid find Logical_Switch name=vnet-$NET | grep -c .)"
expect_eq "one DHCP_Options row" "1" \
    "$(nbctl --bare --columns=_uuid find DHCP_Options external_ids:vnet-network=$NET | grep -c .)"
expect_eq "a logical router for forward mode nat" "1" \
    "$(nbctl --bare --columns=_uuid find Logical_Router name=vnet-$NET-lr | grep -c .)"
expect_no_match "no bridge named in its definition" "<bridge name=" "$(vnet_on a dumpxml "$NET")"
e2e_run vnet_on a info "$NET"
expect_match "vnet info says where it lives in OVN" \
    "OVN: +switch vnet-$NET, router vnet-$NET-lr in $NB" "$E2E_OUT"
expect_no_match "and shows no host link or dnsmasq" "^(Link|dnsmasq):" "$E2E_OUT"
expect_match "its bridge is the integration bridge guests plug into" "Bridge: +br-int" "$E2E_OUT"
expect_eq "no bridge on the host for an OVN network" "" \
    "$(ip -n "$(ns_of a)" -o link show type bridge | grep -v -e br-int -e br-phy -e br-ex -e virbr0 -e ovs-netdev)"
expect_no_match "no nftables table for it" "vnet-$NET" "$(ip netns exec "$(ns_of a)" nft list tables)"
expect_no_match "no dnsmasq for it" "dnsmasq.*/$NET\.conf" \
    "$(for p in $(ip netns pids "$(ns_of a)"); do tr '\0' ' ' </proc/$p/cmdline; echo; done 2>/dev/null)"

# ---- ports: logical switch ports with the openvswitch plug
MAC1=52:54:00:5e:00:01
MAC2=52:54:00:5e:00:02
P1=$(port_create a "$MAC1") || e2e_fatal "port-create on host A"
P2=$(port_create b "$MAC2") || e2e_fatal "port-create on host B"
e2e_pass "ports created on both hosts"
expect_match "the plug is br-int" "<plug type='bridge' bridge='br-int'/>" "$(cat "$T/plug-$P1.xml")"
expect_match "with an openvswitch virtualport and the LSP name as interfaceid" \
    "<virtualport type='openvswitch'>.*|<parameters interfaceid='$P1'/>" "$(cat "$T/plug-$P1.xml")"
expect_match "the logical switch port carries MAC and address" "^\"?$MAC1 10\.91\.0\.[0-9]+\"?$" \
    "$(nbctl get Logical_Switch_Port "$P1" addresses | tr -d '[]')"
# the same through libvirt's RPC (python3-libvirt, as libvirt's VM driver asks)
e2e_run timeout 60 /usr/bin/python3 - "$T/a/lv/virtnetworkd-sock" "$NET" <<'PY'
import sys, libvirt
c = libvirt.open("network:///system?socket=" + sys.argv[1])
n = c.networkLookupByName(sys.argv[2])
p = n.portCreateXML("<networkport><uuid>0badc0de-1111-2222-3333-444444444444</uuid>"
                    "<owner><name>vm-rpc</name><uuid>0badc0de-5555-6666-7777-888888888888</uuid>"
                    "</owner><mac address='52:54:00:5e:00:0f'/></networkport>")
print(p.XMLDesc())
PY
expect_match "virNetworkPortCreateXML on the OVN network returns the openvswitch plug" \
    "<virtualport type='openvswitch'>.*|<parameters interfaceid='0badc0de-1111-2222-3333-444444444444'/>" \
    "$E2E_OUT"
expect_match "and made its logical switch port" "52:54:00:5e:00:0f 10\.91\.0\." \
    "$(nbctl get Logical_Switch_Port 0badc0de-1111-2222-3333-444444444444 addresses)"
e2e_run timeout 60 /usr/bin/python3 - "$T/a/lv/virtnetworkd-sock" "$NET" <<'PY'
import sys, libvirt
c = libvirt.open("network:///system?socket=" + sys.argv[1])
c.networkLookupByName(sys.argv[2]).portLookupByUUIDString(
    "0badc0de-1111-2222-3333-444444444444").delete()
PY
expect_eq "virNetworkPortDelete removes it" "0:" \
    "$E2E_RC:$(nbctl --bare --columns=name find Logical_Switch_Port name=0badc0de-1111-2222-3333-444444444444)"
guest_on a g1 "$MAC1" "$P1" || e2e_fatal "guest g1 plugged on host A"
guest_on b g2 "$MAC2" "$P2" || e2e_fatal "guest g2 plugged on host B"
expect_true "both logical switch ports come up" wait_for 20 sh -c \
    "[ \"\$(ovn-nbctl --db='$NB' get Logical_Switch_Port $P1 up)\" = true ] &&
     [ \"\$(ovn-nbctl --db='$NB' get Logical_Switch_Port $P2 up)\" = true ]"

IP1=$(dhcp_udhcpc g1) || e2e_fatal "g1 gets a lease from OVN DHCP" "$(cat "$T/udhcpc-g1.log")"
IP2=$(dhcp_udhcpc g2) || e2e_fatal "g2 gets a lease from OVN DHCP"
expect_match "g1's lease is in the range" "^10\.91\.0\.1[0-5][0-9]$" "$IP1"
expect_eq "g1's lease is the address of its logical switch port" "\"$MAC1 $IP1\"" \
    "$(nbctl get Logical_Switch_Port "$P1" addresses | tr -d '[]')"
expect_match "the lease carries the router" "default via 10.91.0.1" \
    "$(ip -n "$(guest_ns g1)" route show)"
expect_true "g1 reaches g2 across the Geneve tunnel" wait_for 15 ping_from g1 "$IP2"
expect_true "g2 reaches its gateway (the logical router port)" wait_for 10 ping_from g2 10.91.0.1
# IPv6: SLAAC from the router's advertisements
guest_ip6() {
    ip -n "$(guest_ns "$1")" -6 -o addr show dev eth0 scope global -tentative |
        awk '{ split($4, a, "/"); print a[1]; exit }'
}
has_ip6() { [ -n "$(guest_ip6 "$1")" ]; }
expect_true "g1 and g2 configure IPv6 from the router's advertisements (SLAAC)" \
    eval 'wait_for 20 has_ip6 g1 && wait_for 20 has_ip6 g2'
IP6_2=$(guest_ip6 g2)
expect_match "in the network's /64" "^fd00:91::" "$IP6_2"
expect_true "g1 reaches g2 over IPv6 across the tunnel" \
    wait_for 10 ip netns exec "$(guest_ns g1)" ping -6 -c1 -W1 "$IP6_2"
expect_true "g2 reaches the router's IPv6 address" \
    wait_for 10 ip netns exec "$(guest_ns g2)" ping -6 -c1 -W1 fd00:91::1
# (+noedns: the DNS responder of OVN 23.03 answers only queries without an EDNS record)
expect_match "OVN's DNS answers the <dns><host> record" "10.91.0.5" \
    "$(ip netns exec "$(guest_ns g2)" dig @10.91.0.1 db.ovl.test A +short +noedns +time=2 +tries=2 2>&1)" ||
    e2e_diag "$(sbctl list DNS; sbctl lflow-list vnet-$NET | grep -i dns)"
ask_dns() { ip netns exec "$(guest_ns g2)" dig @10.91.0.1 "$1" A +short +noedns +time=1 +tries=1 2>&1; }
dns_has() { ask_dns "$1" | grep -qx "$2"; }
not() { ! "$@"; }
expect_ok "live net-update adds a DNS host to the OVN network" vnet_on a update "$NET" add dns-host \
    "<host ip='10.91.0.6'><hostname>web</hostname></host>" --live
expect_true "OVN's DNS answers the new record" wait_for 10 dns_has web.ovl.test 10.91.0.6
expect_ok "live net-update deletes it" vnet_on a update "$NET" delete dns-host \
    "<host ip='10.91.0.6'><hostname>web</hostname></host>" --live
expect_true "and OVN's DNS no longer answers it" wait_for 10 not dns_has web.ovl.test 10.91.0.6
expect_match "the other record stays" "10.91.0.5" "$(ask_dns db.ovl.test)"

# ---- vnet doctor: the chassis and the OVN network
e2e_run vnet_on a doctor
expect_match "doctor: the chassis settings vnetd wrote" "ok +ovn-chassis: .*system-id hosta, encap 172.31.0.1" "$E2E_OUT"
expect_match "doctor: the chassis is registered" "ok +ovn-registered: chassis hosta is registered" "$E2E_OUT"
expect_match "doctor: a Geneve tunnel to the other chassis" "ok +ovn-tunnels: 1 Geneve tunnel\\(s\\), 1 up" "$E2E_OUT"
expect_match "doctor: the network's NB objects" "ok +$NET: ovn-nb: logical switch vnet-$NET" "$E2E_OUT"
expect_match "doctor: its ports are bound" "ok +$NET: ovn-ports: 2 guest port\\(s\\) on all hosts, 2 bound" "$E2E_OUT"
expect_no_match "doctor: no bridge check for an OVN network" "$NET: bridge" "$E2E_OUT"
expect_match "doctor: the guests' MTU and Geneve fit the underlay" \
    "ok +$NET: ovn-mtu: guest MTU 1400 \\+ 58 bytes of Geneve fit the underlay's MTU 1500 \\(br-phy\\)" "$E2E_OUT"

# ---- the upstream through SNAT on the gateway chassis (host A), from both hosts
tcp_server "$UP_NS" 7000 || e2e_fatal "upstream TCP server"
expect_eq "g1 (host A) reaches the upstream, SNATed to the router's address" "198.51.100.10" \
    "$(guest_ask g1 198.51.100.1 7000 | sed 's/:.*//')"
expect_eq "g2 (host B) too, through the tunnel to the gateway chassis" "198.51.100.10" \
    "$(guest_ask g2 198.51.100.1 7000 | sed 's/:.*//')"

# ---- a port forward: a load balancer VIP on the router's gateway port (host A's)
tcp_server "$(guest_ns g2)" 7200 || e2e_fatal "TCP server in g2"
expect_ok "forward-add on the OVN network" \
    vnet_on a forward-add "$NET" --proto tcp --port 8022 --to "$IP2:7200"
expect_match "it is host A's load balancer on the router" "198\.51\.100\.10:8022\"?=\"?$IP2:7200" \
    "$(nbctl --bare --columns=vips find Load_Balancer name=vnet-$NET-tcp-hosta)"
expect_match "the load balancer is on the network's router" \
    "$(nbctl --bare --columns=_uuid find Load_Balancer name=vnet-$NET-tcp-hosta)" \
    "$(nbctl get Logical_Router vnet-$NET-lr load_balancer)"
# answer_is NS ADDR PORT WANT: the echo server behind ADDR:PORT saw the peer WANT
# (polled: northd and the controllers take a moment to turn NB rows into flows).
answer_is() { [ "$(tcp_ask "$1" "$2" "$3" | sed 's/:.*//')" = "$4" ]; }
expect_true "the upstream reaches g2 (host B) through the forward, with its own address" \
    wait_for 10 answer_is "$UP_NS" 198.51.100.10 8022 198.51.100.1 ||
    e2e_diag "$(tcp_ask "$UP_NS" 198.51.100.10 8022; nbctl lb-list)"
expect_match "vnet forward-list shows it" "8022" "$(vnet_on a forward-list "$NET")"
expect_true "a guest on the other host reaches it through the forward" \
    wait_for 10 answer_is "$(guest_ns g1)" 198.51.100.10 8022 "$IP1"
expect_true "and the guest behind it reaches its own forward (hairpin, SNATed to the VIP)" \
    wait_for 10 answer_is "$(guest_ns g2)" 198.51.100.10 8022 198.51.100.10
expect_ok "forward-del" vnet_on a forward-del "$NET" --proto tcp --port 8022
expect_eq "its load balancer is gone" "" \
    "$(nbctl --bare --columns=name find Load_Balancer external_ids:vnet-network=$NET)"
expect_true "the upstream no longer reaches g2 on 8022" \
    wait_for 10 not tcp_ask "$UP_NS" 198.51.100.10 8022

# ---- route mode: the router without SNAT; the upstream routes the subnet to it
cat >"$T/rtd.xml" <<XML
<network xmlns:vnet='urn:vnet:network:1'>
  <name>rtd</name>
  <forward mode='route'/>
  <vnet:ovn nb='$NB' gateway-chassis='hosta' external='198.51.100.20/24'
            external-gateway='198.51.100.1' physnet='upstream'/>
  <mtu size='1500'/>
  <ip address='10.92.0.1' prefix='24'>
    <dhcp><range start='10.92.0.100' end='10.92.0.150'/></dhcp>
  </ip>
</network>
XML
expect_ok "a routed OVN network is defined on host B" vnet_on b define "$T/rtd.xml"
expect_ok "and starts" vnet_on b start rtd
expect_eq "no SNAT for it" "" "$(nbctl --bare --columns=_uuid find NAT external_ids:vnet-network=rtd)"
expect_eq "its router has the gateway port" "vnet-rtd-gw" \
    "$(nbctl --bare --columns=name find Logical_Router_Port name=vnet-rtd-gw)"
MAC3=52:54:00:5e:00:03
P3=$(port_create b "$MAC3" rtd) || e2e_fatal "port-create on the routed network"
guest_on b g3 "$MAC3" "$P3" || e2e_fatal "guest g3 plugged on host B"
IP3=$(dhcp_udhcpc g3) || e2e_fatal "g3 gets a lease from OVN DHCP"
ip -n "$UP_NS" route add 10.92.0.0/24 via 198.51.100.20 || e2e_fatal "upstream route to the routed subnet"
expect_true "the upstream reaches g3 directly" \
    wait_for 15 ip netns exec "$UP_NS" ping -c1 -W1 "$IP3" ||
    e2e_diag "$(nbctl show; ip netns exec "$(guest_ns g3)" ip route; ip -n "$UP_NS" neigh)"
expect_true "g3 reaches the upstream with its own address (no NAT)" \
    wait_for 10 answer_is "$(guest_ns g3)" 198.51.100.1 7000 "$IP3"
# ---- doctor: the routed network's MTU 1500 does not fit Geneve over the 1500 underlay
e2e_run vnet_on b doctor
expect_match "doctor: a guest MTU too large for Geneve over the underlay" \
    "rtd: ovn-mtu: guest MTU 1500 \\+ 58 bytes of Geneve exceed the underlay's MTU 1500 \\(br-phy\\)" "$E2E_OUT"
expect_match "doctor: and says what MTU fits" "<mtu size='1442'/>" "$E2E_OUT"
guest_off b g3
expect_ok "the routed network stops" vnet_on b destroy rtd
expect_eq "its NB rows are gone" "" \
    "$(nbctl --bare --columns=name find Logical_Switch external_ids:vnet-network=rtd)"

# ---- the NB database goes away: changes fail with a clear error, the guests keep forwarding
nb_pid=$(cat "$T/c/nb.pid")
PNB=$(cat /proc/sys/kernel/random/uuid)
kill "$nb_pid" && wait_for 10 pid_dead "$nb_pid" || e2e_fatal "the NB ovsdb-server stops"
cat >"$T/port-nbdown.xml" <<XML
<networkport>
  <uuid>$PNB</uuid>
  <owner><name>vm-nbdown</name><uuid>$(cat /proc/sys/kernel/random/uuid)</uuid></owner>
  <mac address='52:54:00:5e:00:09'/>
</networkport>
XML
expect_fail "with the NB down, port-create fails" vnet_on a port-create "$NET" "$T/port-nbdown.xml"
expect_match "saying why" "OVN northbound database of network '$NET' unreachable" "$E2E_OUT"
expect_no_match "and leaves no port behind" "$PNB" "$(vnet_on a port-list "$NET")"
expect_fail "forward-add fails too" vnet_on a forward-add "$NET" --proto tcp --port 8023 --to "$IP2:7200"
expect_no_match "and is not kept" "8023" "$(vnet_on a forward-list "$NET")"
expect_true "g1 still reaches g2 across hosts" ping_from g1 "$IP2"
expect_true "the running network's NB monitor saw the NB go" \
    grep -q "network '$NET': OVN NB monitor lost" "$VNETD_LOG"
expect_no_match "the stopped routed network keeps none" "network 'rtd': OVN NB monitor" "$(cat "$VNETD_LOG")"
central_db nb || e2e_fatal "the NB ovsdb-server starts again"
expect_ok "the NB back, port-create works" vnet_on a port-create "$NET" "$T/port-nbdown.xml"
expect_ok "(and port-delete)" vnet_on a port-delete "$NET" "$PNB"

# ---- vnetd on A killed: the guests' TCP flow goes on
tcp_server "$(guest_ns g1)" 7100 'while read -r l; do echo "echo $l"; done' ||
    e2e_fatal "line server in g1"
conn_open "$(guest_ns g2)" "$IP1" 7100
conn_say one && expect_eq "a TCP flow g2 -> g1 across hosts" "echo one" "$CONN_REPLY"
kill -KILL "$VNETD_a"
wait_for 5 pid_dead "$VNETD_a"
conn_say two
expect_eq "the flow continues with vnetd on A SIGKILLed" "echo two" "$CONN_REPLY"
expect_true "g2 still reaches g1" ping_from g2 "$IP1"
echo "=== vnetd host a (restart) ===" >>"$VNETD_LOG"
e2e_bg ip netns exec "$(ns_of a)" "$VNETD_BIN" --root "$T/a/root" --foreground \
    --no-libvirt-sockets --ovs-db "unix:$T/a/db.sock" --ovn-chassis hosta --ovn-sb "$SB" \
    --ovn-encap-ip 172.31.0.1 >>"$VNETD_LOG" 2>&1
VNETD_a=$E2E_BG_PID
expect_true "vnetd on A restarts" wait_for 20 vnet_on a list
expect_eq "it adopts its NB objects (no duplicate switch)" "1" \
    "$(nbctl --bare --columns=_uuid find Logical_Switch name=vnet-$NET | grep -c .)"
conn_say three
expect_eq "the flow is still there after the restart" "echo three" "$CONN_REPLY"

# ---- a guest moves from B to A with the same MAC and keeps its address
expect_ok "port deleted on host B" vnet_on b port-delete "$NET" "$P2"
expect_eq "its logical switch port is gone" "" \
    "$(nbctl --bare --columns=name find Logical_Switch_Port name=$P2)"
guest_off b g2
P2A=$(port_create a "$MAC2") || e2e_fatal "port-create on host A with the same MAC"
guest_on a g2a "$MAC2" "$P2A" || e2e_fatal "guest plugged on host A"
IP2A=$(dhcp_udhcpc g2a) || e2e_fatal "the moved guest gets a lease"
expect_eq "the moved guest keeps its address" "$IP2" "$IP2A"
t0=$(date +%s%N)
if wait_for 5 ping_from g1 "$IP2"; then
    e2e_pass "g1 reaches the moved guest at its new chassis ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"
else
    e2e_fail "g1 reaches the moved guest at its new chassis"
fi

# ---- NB drift: vnet's objects deleted behind its back are restored
old_ls=$(nbctl --bare --columns=_uuid find Logical_Switch name=vnet-$NET)
# one transaction, as a careless script or operator would do it
expect_ok "vnet's switch, router and DHCP options are deleted from the NB" \
    nbctl ls-del "vnet-$NET" -- lr-del "vnet-$NET-lr" -- destroy DHCP_Options \
    "$(nbctl --bare --columns=_uuid find DHCP_Options external_ids:vnet-network=$NET | head -1)"
expect_true "vnetd restores the logical switch, router and DHCP options" wait_for 15 sh -c \
    "ovn-nbctl --db='$NB' --bare --columns=_uuid find Logical_Switch name=vnet-$NET | grep -q . &&
     ! ovn-nbctl --db='$NB' --bare --columns=_uuid find Logical_Switch name=vnet-$NET | grep -q '$old_ls' &&
     ovn-nbctl --db='$NB' --bare --columns=_uuid find Logical_Router name=vnet-$NET-lr | grep -q . &&
     ovn-nbctl --db='$NB' --bare --columns=_uuid find DHCP_Options external_ids:vnet-network=$NET | grep -q ."
expect_true "and the guests' logical switch ports" wait_for 15 sh -c \
    "ovn-nbctl --db='$NB' get Logical_Switch_Port $P1 addresses | grep -q '$IP1' &&
     ovn-nbctl --db='$NB' get Logical_Switch_Port $P2A addresses | grep -q '$IP2'" ||
    e2e_diag "$(nbctl list Logical_Switch_Port)"
expect_true "g1 reaches g2 again after the repair" wait_for 15 ping_from g1 "$IP2" ||
    e2e_diag "$(nbctl show)"

# ---- stop removes only what vnet made
nbctl ls-add foreign
expect_ok "stop on host B" vnet_on b destroy "$NET"
expect_eq "host A still runs the network: it stays in the NB" "vnet-$NET" \
    "$(nbctl --bare --columns=name find Logical_Switch name=vnet-$NET)"
expect_true "and g1 still reaches g2" ping_from g1 "$IP2"

# ---- vnet import: host B takes the network's definition from the NB (the one the hosts share)
expect_ok "undefine on host B" vnet_on b undefine "$NET"
e2e_run vnet_on b import "$NB" --dry-run
expect_match "import --dry-run names what it would define" "would define network '$NET' from $NB" "$E2E_OUT"
expect_ok "vnet import on host B" vnet_on b import "$NB" "$NET"
e2e_run vnet_on b dumpxml "$NET"
expect_match "the imported definition is the shared one (same UUID)" "<uuid>$NET_UUID</uuid>" "$E2E_OUT"
expect_match "with the NB this host reaches" "nb='$NB'" "$E2E_OUT"
expect_ok "it starts on host B" vnet_on b start "$NET"
expect_eq "and joins the same logical network" "1|\"1\"" \
    "$(nbctl --bare --columns=_uuid find Logical_Switch name=vnet-$NET | grep -c .)|$(nbctl get Logical_Switch vnet-$NET external_ids:vnet-host-hostb)"
e2e_run vnet_on b import "$NB"
expect_match "importing it again is refused with the reason (exit 1)" \
    "1:.*refused network '$NET': a network named '$NET' already exists" "$E2E_RC:$E2E_OUT"
expect_ok "stop on host B again" vnet_on b destroy "$NET"
expect_ok "stop on host A (the last one)" vnet_on a destroy "$NET"
expect_eq "no vnet rows left in the NB" "" \
    "$(nbctl --bare --columns=name find Logical_Switch external_ids:vnet-network=$NET)"
expect_eq "the foreign switch stays" "foreign" "$(nbctl --bare --columns=name list Logical_Switch)"

# ---- an unreachable NB makes changes fail clearly
sed "s|$NB|unix:$T/c/nothere.sock|" "$T/$NET.xml" | sed "s|<name>$NET<|<name>gone<|; /<uuid>/d" >"$T/gone.xml"
expect_ok "define a network whose NB is unreachable" vnet_on a define "$T/gone.xml"
expect_fail "starting it fails" vnet_on a start gone
expect_match "with a clear error" "OVN northbound database of network 'gone' unreachable" "$E2E_OUT"

e2e_done
