#!/usr/bin/env bash
# Scenario 51: <forward mode='bridge'> onto an Open vSwitch bridge, with an openvswitch
# <virtualport> and portgroups with <vlan>, as libvirt's docs and kcli/vdsm files write them.
# ovsdb-server and ovs-vswitchd (userspace "netdev" datapath: this kernel has no openvswitch
# module, so the bridge's device is a tap) run in the host namespace with their own directories
# under the run's temp dir; vnetd asks that database (--ovs-db) whether the bridge is usable.
#   LAN      a namespace with 192.168.77.1/24 and a DHCP server, behind a veth in br0
#   guests   namespaces whose veth the test puts into br0 as libvirt's VM driver would
#            (ovs-vsctl add-port, external_ids:iface-id = the port's interfaceid, tag = its vlan)
# Checked: start creates nothing; vnet info and port refusals while OVS is unreachable, the
# bridge missing, without a device, down, a Linux bridge (and vnet doctor); ports through
# python3-libvirt, virsh net-port-create and vnet port-create carry
# the virtualport (interfaceid made up, or kept) and the portgroup's vlan; a guest on the
# untagged portgroup leases from the LAN and reaches it; guests on VLAN 10 reach each other and
# not the LAN; on a network without a virtualport, only a port that asks for Open vSwitch itself
# gets br0; deleting the OVS bridge is reported; destroy leaves nothing behind. Each port's XML
# is compared with the one libvirt 9.0 makes (tests/data/libvirt-ports).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/libvirt-lib.sh"
e2e_init
lv_require
e2e_check_binaries
for b in ovsdb-tool ovsdb-server ovs-vswitchd ovs-vsctl ethtool udhcpc dnsmasq; do
    command -v "$b" >/dev/null || e2e_fatal "$b is installed (scripts/install-deps.sh)"
done
T=$E2E_TMP
OVS=$T/ovs
LAN_NS=$E2E_P-lan
LAN=192.168.77
mkdir -p "$OVS"
vsctl() { ip netns exec "$HOST_NS" ovs-vsctl --db="unix:$OVS/db.sock" --timeout=10 "$@"; }

# the host namespace and the LAN (router address and DHCP server) behind veth lan0
e2e_topology_host "$HOST_NS" || e2e_fatal "host namespace"
e2e_netns_add "$LAN_NS" || e2e_fatal "LAN namespace"
ip -n "$HOST_NS" link add lan0 type veth peer name eth0 netns "$LAN_NS" || e2e_fatal "LAN veth"
ip -n "$LAN_NS" addr add "$LAN.1/24" dev eth0 && ip -n "$LAN_NS" link set eth0 up &&
    ip -n "$HOST_NS" link set lan0 up || e2e_fatal "LAN address"
# the userspace datapath sends through AF_PACKET: no checksum offload on its veths
ip netns exec "$LAN_NS" ethtool -K eth0 tx off >/dev/null 2>&1
ip netns exec "$HOST_NS" ethtool -K lan0 tx off >/dev/null 2>&1
e2e_bg ip netns exec "$LAN_NS" dnsmasq -k --conf-file=/dev/null --port=0 --user=root \
    --interface=eth0 --bind-interfaces --dhcp-range=$LAN.100,$LAN.150,255.255.255.0,1h \
    --dhcp-option=option:router,$LAN.1 --dhcp-leasefile="$T/lan.leases" --pid-file= \
    --dhcp-authoritative --no-ping

vnetd_start --ovs-db "unix:$OVS/db.sock" || e2e_fatal "vnetd starts in the host namespace"
e2e_pass "vnetd starts in the host namespace (with --ovs-db in the run's temp dir)"

# host_state: what a network could leave behind (links, addresses, rules, processes, files)
host_state() {
    ip -n "$HOST_NS" -o addr show | grep -v ' fe80' | awk '{print $2, $4}' | sort
    ip -n "$HOST_NS" -o link show | awk -F': ' '{print $2}' | sort
    ip netns exec "$HOST_NS" nft -s list ruleset | md5sum
    find "$ROOT/run" "$ROOT/var" -type f | sort
}
state_line() { vnet info "$1" | sed -n 's/^Bridge state: *//p'; }

# port NET GROUP [INTERFACEID]: a port through python3-libvirt, as virtqemud asks for one;
# PORT_XML gets its XML (or "ERROR CODE MESSAGE"), PORT its UUID
cat >"$T/port.py" <<'PY'
import sys, uuid, libvirt
libvirt.registerErrorHandler(lambda ctx, err: None, None)
sock, net, group = sys.argv[1:4]
ifid = sys.argv[4] if len(sys.argv) > 4 else ""
c = libvirt.open("network:///system?socket=" + sock)
u = uuid.uuid4()
mac = "52:54:00:%02x:%02x:%02x" % tuple(u.bytes[:3])
vp = ("<virtualport type='openvswitch'><parameters interfaceid='%s'/></virtualport>" % ifid
      if ifid else "")
xml = ("<networkport><uuid>%s</uuid><owner><name>vm-%s</name>"
       "<uuid>11111111-2222-3333-4444-666666666666</uuid></owner>%s"
       "<mac address='%s'/>%s</networkport>"
       % (u, group, "<group>%s</group>" % group if group else "", mac, vp))
try:
    p = c.networkLookupByName(net).portCreateXML(xml)
    print(p.XMLDesc(), end="")
except libvirt.libvirtError as e:
    print("ERROR %d %s" % (e.get_error_code(), e.get_error_message()))
PY
port() {
    PORT_XML=$(timeout 30 "$LV_PY" "$T/port.py" "$(lv_sock)" "$@" 2>&1)
    PORT=$(sed -n 's|^  <uuid>\(.*\)</uuid>|\1|p' <<<"$PORT_XML" | head -n1)
}
xml_attr() { sed -n "s/.*<$2[^>]* $3='\\([^']*\\)'.*/\\1/p" <<<"$1" | head -n1; } # XML ELEM ATTR
UUID_RE='[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}'

# the network and libvirt 9.0's ports on it (see tests/data/libvirt-ports/README.md)
GOLD=$E2E_SRC_DIR/tests/data/libvirt-ports
cp "$GOLD/ovslan.xml" "$T/ovslan.xml"
# same_as_libvirt DESC GOLDEN XML: the port XML equals libvirt's, UUIDs/MACs/interfaceids aside
same_as_libvirt() { # (interfaceids given in a port or a network are kept)
    local given=0badc0de-1111-4222-8333-444444444444 docs=09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f
    expect_eq "$1" "$(cat "$GOLD/$2.xml")" "$(sed -E "s/$given/GIVEN/; s/$docs/DOCS/;
        s/<uuid>[0-9a-f-]{36}</<uuid>UUID</; s/address='[0-9a-f:]{17}'/address='MAC'/;
        s/interfaceid='[0-9a-f-]{36}'/interfaceid='IFID'/; s/GIVEN/$given/; s/DOCS/$docs/" <<<"$3")"
}
expect_ok "define a bridge-mode network on OVS bridge br0 with portgroups" vnet define "$T/ovslan.xml"
before=$(host_state)
expect_ok "it starts while Open vSwitch is not running, as libvirt's does" vnet start ovslan
expect_eq "start created nothing (no bridge, addresses, rules, dnsmasq)" "$before" \
    "$(host_state | grep -v /status/ovslan.json)"

# ---- Open vSwitch unreachable, then the bridge missing, without a device, down
expect_match "vnet info: OVS cannot be asked, and why" \
    "^unknown \(cannot ask Open vSwitch about bridge 'br0': .*$OVS/db.sock.*No such file" \
    "$(state_line ovslan)"
port ovslan ""
expect_match "a port is refused with the same reason" \
    "^ERROR 55 network 'ovslan' cannot take ports now: cannot ask Open vSwitch about bridge 'br0'" \
    "$PORT_XML"
ovsdb-tool create "$OVS/conf.db" /usr/share/openvswitch/vswitch.ovsschema || e2e_fatal "OVS db"
e2e_bg ip netns exec "$HOST_NS" ovsdb-server "$OVS/conf.db" --remote="punix:$OVS/db.sock" \
    --unixctl="$OVS/db.ctl" --pidfile="$OVS/db.pid" --no-chdir --log-file="$OVS/db.log" \
    -vconsole:off
wait_for 10 test -S "$OVS/db.sock" && vsctl --no-wait init || e2e_fatal "ovsdb-server runs"
expect_eq "ovsdb-server up, no bridge: missing" "missing (Open vSwitch has no bridge 'br0')" \
    "$(state_line ovslan)"
port ovslan ""
expect_eq "a port is refused while br0 is missing" \
    "ERROR 55 network 'ovslan' cannot take ports now: Open vSwitch has no bridge 'br0'" "$PORT_XML"
expect_rc "vnet doctor: broken (exit 2)" 2 vnet doctor ovslan
expect_match "its host-bridge check says why and how to fix it" \
    "host-bridge.*Open vSwitch has no bridge 'br0': ports are refused until it is usable" "$E2E_OUT"
expect_match "(the fix)" "ovs-vsctl add-br br0" "$E2E_OUT"
vsctl --no-wait add-br br0 -- set bridge br0 datapath_type=netdev || e2e_fatal "add-br br0"
expect_eq "br0 in the database, ovs-vswitchd not running: down" \
    "down (Open vSwitch bridge 'br0' has no device (is ovs-vswitchd running?))" "$(state_line ovslan)"
OVS_RUNDIR=$OVS e2e_bg ip netns exec "$HOST_NS" ovs-vswitchd "unix:$OVS/db.sock" \
    --unixctl="$OVS/vswitchd.ctl" --pidfile="$OVS/vswitchd.pid" --no-chdir \
    --log-file="$OVS/vswitchd.log" -vconsole:off
wait_for 15 link_exists br0 || e2e_fatal "ovs-vswitchd makes br0's device"
expect_match "br0's device is a tap (netdev datapath)" " tun " "$(ip -d -o -n "$HOST_NS" link show br0)"
ip -n "$HOST_NS" link set br0 down
expect_eq "br0 down: down" "down (Open vSwitch bridge 'br0' is down)" "$(state_line ovslan)"
port ovslan ""
expect_eq "a port is refused while br0 is down" \
    "ERROR 55 network 'ovslan' cannot take ports now: Open vSwitch bridge 'br0' is down" "$PORT_XML"
ip -n "$HOST_NS" link set br0 up
vsctl add-port br0 lan0 || e2e_fatal "the LAN port in br0"
expect_eq "br0 up: up" "up" "$(state_line ovslan)"
e2e_run vnet info ovslan --json
expect_match "--json carries bridge_state up" '"bridge_state": "up"' "$E2E_OUT"
e2e_run vnet doctor ovslan
expect_match "vnet doctor: the host bridge is fine" \
    "host-bridge.*host bridge br0 is up \(an Open vSwitch bridge\): ports can be made" "$E2E_OUT"

# ---- ports: the openvswitch virtualport and the portgroup's vlan
port ovslan ""
P1=$PORT X1=$PORT_XML
expect_match "a port on the default portgroup: a bridge plug on br0" \
    "<plug type='bridge' bridge='br0'/>" "$X1"
IF1=$(xml_attr "$X1" parameters interfaceid)
expect_match "with an openvswitch virtualport whose interfaceid is a random UUID (v4)" \
    "^$UUID_RE\$" "$IF1"
expect_match "(the virtualport element)" "<virtualport type='openvswitch'>" "$X1"
expect_no_match "and no vlan (the 'lan' portgroup has none)" "<vlan" "$X1"
same_as_libvirt "the port's XML is libvirt 9.0's" ovs-default "$X1"
MAC1=$(xml_attr "$X1" mac address)
port ovslan vlan10 0badc0de-1111-4222-8333-444444444444
P2=$PORT X2=$PORT_XML
expect_eq "an interfaceid given with the port is kept" 0badc0de-1111-4222-8333-444444444444 \
    "$(xml_attr "$X2" parameters interfaceid)"
expect_match "the vlan10 portgroup's tag" "<vlan>.*" "$X2"
expect_eq "(tag 10)" 10 "$(xml_attr "$X2" tag id)"
MAC2=$(xml_attr "$X2" mac address)
same_as_libvirt "the port's XML is libvirt 9.0's" ovs-vlan10-interfaceid "$X2"
port ovslan trunk
P3=$PORT X3=$PORT_XML
expect_match "the trunk portgroup: trunk='yes'" "<vlan trunk='yes'>" "$X3"
expect_match "with the native untagged tag" "<tag id='20' nativeMode='untagged'/>" "$X3"
expect_no_match "each port its own interfaceid" "$IF1" "$X3"
same_as_libvirt "the port's XML is libvirt 9.0's" ovs-trunk "$X3"
e2e_run virsh_rw net-port-dumpxml ovslan "$P2"
expect_match "virsh net-port-dumpxml shows the same port" "interfaceid='0badc0de-1111-4222-8333-444444444444'" \
    "$E2E_OUT"
# the same through vnet's CLI: port-create, then port-dumpxml
P5=$(cat /proc/sys/kernel/random/uuid)
cat >"$T/p5.xml" <<XML
<networkport>
  <uuid>$P5</uuid>
  <owner><name>vm-cli</name><uuid>$(cat /proc/sys/kernel/random/uuid)</uuid></owner>
  <group>trunk</group>
  <mac address='52:54:00:00:51:05'/>
</networkport>
XML
expect_ok "vnet port-create on the trunk portgroup" vnet port-create ovslan "$T/p5.xml"
e2e_run vnet port-dumpxml ovslan "$P5"
same_as_libvirt "vnet port-dumpxml: the same port libvirt 9.0 makes (owner aside)" ovs-trunk \
    "$(sed 's/vm-cli/vm-trunk/' <<<"$E2E_OUT")"
# and through virsh net-port-create (the VLAN 10 portgroup)
P6=$(cat /proc/sys/kernel/random/uuid)
sed "s/$P5/$P6/; s/trunk/vlan10/; s/51:05/51:06/" "$T/p5.xml" >"$T/p6.xml"
expect_ok "virsh net-port-create on the vlan10 portgroup" virsh_rw net-port-create ovslan "$T/p6.xml"
e2e_run virsh_rw net-port-dumpxml ovslan "$P6"
same_as_libvirt "virsh net-port-dumpxml: libvirt 9.0's port (owner aside)" ovs-vlan10 \
    "$(sed 's/vm-cli/vm-vlan10/' <<<"$E2E_OUT")"
# libvirt's docs example (network-wide interfaceid and trunk, a portgroup's access vlan): every
# port gets the network's interfaceid, as libvirt's do
expect_ok "define and start libvirt's docs example on br0" \
    sh -c "ip netns exec $HOST_NS $VNET_BIN --root $ROOT define $GOLD/ovsdocs.xml &&
           ip netns exec $HOST_NS $VNET_BIN --root $ROOT start ovsdocs"
port ovsdocs ""
same_as_libvirt "its default port is libvirt 9.0's (the network's interfaceid and trunk)" \
    ovsdocs-default "$PORT_XML"
virsh_rw net-port-delete ovsdocs "$PORT" >/dev/null
port ovsdocs dontpanic
same_as_libvirt "its 'dontpanic' port is libvirt 9.0's (the portgroup's vlan)" \
    ovsdocs-dontpanic "$PORT_XML"
virsh_rw net-port-delete ovsdocs "$PORT" >/dev/null
expect_ok "destroy and undefine it" \
    sh -c "ip netns exec $HOST_NS $VNET_BIN --root $ROOT destroy ovsdocs &&
           ip netns exec $HOST_NS $VNET_BIN --root $ROOT undefine ovsdocs"
e2e_run vnet port-list ovslan --json
expect_eq "vnet port-list --json lists the five ports on br0" 5 "$(grep -c '"bridge br0"' <<<"$E2E_OUT")"

# ---- what libvirt's VM driver does with such a port: the guest's interface into br0 by
# ovs-vsctl, with the interfaceid and the vlan tag; then real traffic
# ovs_guest NAME MAC IFACEID [TAG]
ovs_guest() {
    local ns tag=()
    ns=$(guest_ns "$1")
    e2e_netns_add "$ns" || return 1
    ip -n "$HOST_NS" link add "vg$1" type veth peer name eth0 netns "$ns" || return 1
    ip -n "$ns" link set eth0 address "$2" up || return 1
    ip -n "$HOST_NS" link set "vg$1" up || return 1
    ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null 2>&1
    ip netns exec "$HOST_NS" ethtool -K "vg$1" tx off >/dev/null 2>&1
    [ -z "${4:-}" ] || tag=(-- set port "vg$1" "tag=$4")
    vsctl add-port br0 "vg$1" -- set interface "vg$1" "external_ids:iface-id=$3" \
        "external_ids:attached-mac=$2" "${tag[@]}"
}
pings() { ip netns exec "$(guest_ns "$1")" ping -c1 -W1 "$2"; }
ovs_guest g1 "$MAC1" "$IF1" || e2e_fatal "guest g1 plugged into br0"
ip1=$(dhcp_udhcpc g1)
expect_match "the guest on the untagged portgroup leases from the LAN's DHCP server" \
    "^$LAN\.(1[0-4][0-9]|150)\$" "$ip1"
expect_true "and reaches the LAN router" wait_for 10 pings g1 "$LAN.1"
expect_true "the LAN reaches the guest" wait_for 10 ip netns exec "$LAN_NS" ping -c1 -W1 "$ip1"
ovs_guest g2 "$MAC2" "$(xml_attr "$X2" parameters interfaceid)" "$(xml_attr "$X2" tag id)" ||
    e2e_fatal "guest g2 plugged into br0 on VLAN 10"
port ovslan vlan10
P4=$PORT X4=$PORT_XML
same_as_libvirt "a vlan10 port's XML (interfaceid made up) is libvirt 9.0's" ovs-vlan10 "$X4"
ovs_guest g3 "$(xml_attr "$X4" mac address)" "$(xml_attr "$X4" parameters interfaceid)" \
    "$(xml_attr "$X4" tag id)" || e2e_fatal "guest g3 plugged into br0 on VLAN 10"
expect_eq "the OVS port carries the port's interfaceid" '"0badc0de-1111-4222-8333-444444444444"' \
    "$(vsctl get interface vgg2 external_ids:iface-id)"
ip -n "$(guest_ns g2)" addr add "$LAN.202/24" dev eth0
ip -n "$(guest_ns g3)" addr add "$LAN.203/24" dev eth0
expect_true "two guests on VLAN 10 reach each other" wait_for 10 pings g2 "$LAN.203"
expect_false "a guest on VLAN 10 does not reach the untagged LAN" pings g2 "$LAN.1"

# ---- a network without a virtualport on br0: a Linux bridge is expected, unless the port
# itself asks for Open vSwitch (a domain's <interface> with <virtualport type='openvswitch'/>)
cat >"$T/ovsplain.xml" <<'XML'
<network><name>ovsplain</name><forward mode='bridge'/><bridge name='br0'/></network>
XML
expect_ok "define and start a bridge-mode network on br0 without a virtualport" \
    sh -c "ip netns exec $HOST_NS $VNET_BIN --root $ROOT define $T/ovsplain.xml &&
           ip netns exec $HOST_NS $VNET_BIN --root $ROOT start ovsplain"
expect_eq "vnet info judges br0 by its kernel link: a tap, not a bridge" \
    "not a bridge ('br0' is not a bridge (tun))" "$(state_line ovsplain)"
port ovsplain ""
expect_eq "a port without a virtualport is refused" \
    "ERROR 55 network 'ovsplain' cannot take ports now: 'br0' is not a bridge (tun)" "$PORT_XML"
port ovsplain "" 5ca1ab1e-0000-4000-8000-000000000051
expect_match "a port with its own openvswitch virtualport: Open vSwitch is asked, br0 is fine" \
    "<plug type='bridge' bridge='br0'/>" "$PORT_XML"
expect_eq "(its interfaceid is kept)" 5ca1ab1e-0000-4000-8000-000000000051 \
    "$(xml_attr "$PORT_XML" parameters interfaceid)"
expect_ok "delete it" virsh_rw net-port-delete ovsplain "$PORT"
expect_ok "destroy and undefine ovsplain" \
    sh -c "ip netns exec $HOST_NS $VNET_BIN --root $ROOT destroy ovsplain &&
           ip netns exec $HOST_NS $VNET_BIN --root $ROOT undefine ovsplain"

# ---- the bridge goes away: reported, ports refused, existing ports kept
vsctl del-br br0
expect_eq "br0 deleted from Open vSwitch: missing" "missing (Open vSwitch has no bridge 'br0')" \
    "$(state_line ovslan)"
port ovslan vlan10
expect_eq "a port is refused, with the reason" \
    "ERROR 55 network 'ovslan' cannot take ports now: Open vSwitch has no bridge 'br0'" "$PORT_XML"
expect_eq "the ports made before are kept" 6 "$(virsh_rw net-port-list ovslan | grep -c .)"

# ---- an openvswitch virtualport on a Linux bridge: not an Open vSwitch bridge
ip -n "$HOST_NS" link add brl type bridge && ip -n "$HOST_NS" link set brl up
sed 's/ovslan/ovslinux/; s/br0/brl/' "$T/ovslan.xml" >"$T/ovslinux.xml"
expect_ok "define and start a network with an openvswitch virtualport on Linux bridge brl" \
    sh -c "ip netns exec $HOST_NS $VNET_BIN --root $ROOT define $T/ovslinux.xml &&
           ip netns exec $HOST_NS $VNET_BIN --root $ROOT start ovslinux"
expect_eq "vnet info: not an Open vSwitch bridge" \
    "not a bridge ('brl' is not an Open vSwitch bridge (a Linux bridge))" "$(state_line ovslinux)"
port ovslinux ""
expect_eq "a port is refused" \
    "ERROR 55 network 'ovslinux' cannot take ports now: 'brl' is not an Open vSwitch bridge (a Linux bridge)" \
    "$PORT_XML"
expect_ok "destroy ovslinux" vnet destroy ovslinux
expect_ok "undefine ovslinux" vnet undefine ovslinux
ip -n "$HOST_NS" link del brl

# ---- destroy: nothing left behind
for p in $P1 $P2 $P3 $P4 $P5 $P6; do
    expect_ok "virsh net-port-delete $p" virsh_rw net-port-delete ovslan "$p"
done
for g in g1 g2 g3; do ip -n "$HOST_NS" link del "vg$g"; done
expect_ok "destroy ovslan" vnet destroy ovslan
expect_eq "nothing left behind" "$before" "$(host_state)"
expect_ok "undefine ovslan" vnet undefine ovslan
e2e_done
