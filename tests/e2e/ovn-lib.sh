# shellcheck shell=bash
# OVN harness for tests/e2e/50-ovn.sh and bench/ovn.sh (sourced after lib.sh and e2e_init):
# a central namespace (NB and SB ovsdb-servers, ovn-northd) and host namespaces (ovsdb-server,
# ovs-vswitchd with the userspace "netdev" datapath, ovn-controller, vnetd), every daemon with
# its own directories under the run's temp dir, never the machine's.

T=$E2E_TMP
C_NS=$E2E_P-c
NB=unix:$T/c/nb.sock
SB=unix:$T/c/sb.sock
for b in ovsdb-tool ovsdb-server ovs-vswitchd ovs-vsctl ovn-northd ovn-controller ovn-nbctl ovn-sbctl \
    ethtool udhcpc socat; do
    command -v "$b" >/dev/null || e2e_fatal "$b is installed (scripts/install-deps.sh)"
done
/usr/bin/python3 -c 'import libvirt' 2>/dev/null ||
    e2e_fatal "python3-libvirt is installed (scripts/install-deps.sh)"

nbctl() { ovn-nbctl --no-leader-only --db="$NB" --timeout=10 "$@"; }
sbctl() { ovn-sbctl --no-leader-only --db="$SB" --timeout=10 "$@"; }
vsctl() { ovs-vsctl --db="unix:$T/$1/db.sock" --timeout=10 "${@:2}"; }
ns_of() { echo "$E2E_P-h$1"; }
vnet_on() { ip netns exec "$(ns_of "$1")" "$VNET_BIN" --root "$T/$1/root" "${@:2}"; }

# central_db nb|sb: the central ovsdb-server of that database (its pid in $T/c/DB.pid).
central_db() {
    e2e_bg ip netns exec "$C_NS" ovsdb-server "$T/c/$1.db" --remote="punix:$T/c/$1.sock" \
        --unixctl="$T/c/$1.ctl" --pidfile="$T/c/$1.pid" --no-chdir --log-file="$T/c/$1.log" \
        -vconsole:off
    wait_for 10 test -S "$T/c/$1.sock"
}

start_central() {
    mkdir -p "$T/c"
    e2e_netns_add "$C_NS" || return 1
    ovsdb-tool create "$T/c/nb.db" /usr/share/ovn/ovn-nb.ovsschema || return 1
    ovsdb-tool create "$T/c/sb.db" /usr/share/ovn/ovn-sb.ovsschema || return 1
    central_db nb && central_db sb || return 1
    nbctl init && sbctl init || return 1
    OVN_RUNDIR=$T/c e2e_bg ip netns exec "$C_NS" ovn-northd --ovnnb-db="$NB" --ovnsb-db="$SB" \
        --unixctl="$T/c/northd.ctl" --pidfile="$T/c/northd.pid" --no-chdir \
        --log-file="$T/c/northd.log" -vconsole:off
}

# start_host X ADDR [VNETD-ARGS...]: OVS (netdev datapath), underlay bridge, vnetd,
# ovn-controller.
start_host() {
    local h=$1 addr=$2 ns d=$T/$1
    shift 2
    ns=$(ns_of "$h")
    mkdir -p "$d/root"
    chmod 755 "$d" "$d/root"
    ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema || return 1
    e2e_bg ip netns exec "$ns" ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" \
        --unixctl="$d/db.ctl" --pidfile="$d/db.pid" --no-chdir --log-file="$d/db.log" -vconsole:off
    wait_for 10 test -S "$d/db.sock" || return 1
    vsctl "$h" --no-wait init || return 1
    OVS_RUNDIR=$d e2e_bg ip netns exec "$ns" ovs-vswitchd "unix:$d/db.sock" \
        --unixctl="$d/vswitchd.ctl" --pidfile="$d/vswitchd.pid" --no-chdir \
        --log-file="$d/vswitchd.log" -vconsole:off
    vsctl "$h" add-br br-int -- set bridge br-int datapath_type=netdev fail_mode=secure \
        other_config:disable-in-band=true || return 1
    vsctl "$h" add-br br-phy -- set bridge br-phy datapath_type=netdev || return 1
    vsctl "$h" add-port br-phy "ul$h" || return 1
    ip -n "$ns" link set "ul$h" up
    ip netns exec "$ns" ethtool -K "ul$h" tx off >/dev/null 2>&1
    wait_for 10 ip -n "$ns" link show br-phy || return 1
    ip -n "$ns" addr add "$addr/24" dev br-phy && ip -n "$ns" link set br-phy up || return 1
    # vnetd configures the chassis in the local Open_vSwitch table
    echo "=== vnetd host $h ===" >>"$VNETD_LOG"
    # (host B reads them from its ROOT/etc/vnet/ovn.conf, host A from options)
    local chassis=()
    if [ "$h" = b ]; then
        mkdir -p "$d/root/etc/vnet"
        cat >"$d/root/etc/vnet/ovn.conf" <<CONF
# this chassis, for vnetd
ovs-db = unix:$d/db.sock
ovn-chassis = host$h
ovn-sb = $SB
ovn-encap-type = geneve
ovn-encap-ip = $addr
CONF
    else
        chassis=(--ovs-db "unix:$d/db.sock" --ovn-chassis "host$h" --ovn-sb "$SB"
            --ovn-encap-type geneve --ovn-encap-ip "$addr")
    fi
    e2e_bg ip netns exec "$ns" "$VNETD_BIN" --root "$d/root" --foreground --libvirt-sockets "$d/lv" \
        "${chassis[@]}" "$@" >>"$VNETD_LOG" 2>&1
    eval "VNETD_$h=$E2E_BG_PID"
    wait_for 20 vnet_on "$h" list || return 1
    OVS_RUNDIR=$d OVN_RUNDIR=$d e2e_bg ip netns exec "$ns" ovn-controller "unix:$d/db.sock" \
        --pidfile="$d/controller.pid" --no-chdir \
        --log-file="$d/controller.log" -vconsole:off
}

# guest_on X NAME MAC IFACEID: a guest namespace plugged into host X's br-int for IFACEID.
guest_on() {
    local h=$1 name=$2 mac=$3 ifid=$4 gns hns
    gns=$(guest_ns "$name")
    hns=$(ns_of "$h")
    e2e_netns_add "$gns" || return 1
    ip -n "$hns" link add "v-$name" type veth peer name eth0 netns "$gns" || return 1
    ip -n "$gns" link set eth0 address "$mac" mtu 1400 up || return 1
    ip -n "$hns" link set "v-$name" mtu 1400 up || return 1
    ip netns exec "$gns" ethtool -K eth0 tx off >/dev/null 2>&1
    ip netns exec "$hns" ethtool -K "v-$name" tx off >/dev/null 2>&1
    vsctl "$h" add-port br-int "v-$name" -- set interface "v-$name" \
        "external_ids:iface-id=$ifid" || return 1
}

guest_off() { # X NAME: unplug and remove the guest
    vsctl "$1" del-port br-int "v-$2"
    ip netns del "$(guest_ns "$2")"
}

# port_create X MAC [NETWORK]: a port on host X's vnetd; prints the interfaceid of its plug.
port_create() {
    local h=$1 mac=$2 net=${3:-$NET} uuid
    uuid=$(cat /proc/sys/kernel/random/uuid)
    cat >"$T/port-$uuid.xml" <<XML
<networkport>
  <uuid>$uuid</uuid>
  <owner><name>vm-$mac</name><uuid>$(cat /proc/sys/kernel/random/uuid)</uuid></owner>
  <mac address='$mac'/>
</networkport>
XML
    vnet_on "$h" port-create "$net" "$T/port-$uuid.xml" >/dev/null || return 1
    vnet_on "$h" port-dumpxml "$net" "$uuid" >"$T/plug-$uuid.xml" || return 1
    echo "$uuid"
}

ping_from() { ip netns exec "$(guest_ns "$1")" ping -c1 -W1 "$2"; }
lsp_up() { [ "$(nbctl get Logical_Switch_Port "$1" up 2>/dev/null)" = true ]; }

# ovn_two_hosts: the central namespace, hosts A (172.31.0.1, the gateway chassis: physnet
# "upstream" is br-ex, which reaches $UP_NS at 198.51.100.1) and B (172.31.0.2), joined by an
# underlay veth. Fatal on failure.
ovn_two_hosts() {
    start_central || e2e_fatal "central: NB and SB ovsdb-servers and ovn-northd start"
    e2e_netns_add "$(ns_of a)" && e2e_netns_add "$(ns_of b)" || e2e_fatal "host namespaces"
    ip -n "$(ns_of a)" link add ula type veth peer name ulb netns "$(ns_of b)" ||
        e2e_fatal "underlay veth"
    start_host a 172.31.0.1 --ovn-bridge-mappings upstream:br-ex ||
        e2e_fatal "host A: OVS, vnetd and ovn-controller start"
    # host A is the gateway chassis: br-ex reaches the upstream namespace (198.51.100.1)
    e2e_netns_add "$UP_NS" || e2e_fatal "upstream namespace"
    vsctl a add-br br-ex -- set bridge br-ex datapath_type=netdev &&
        ip -n "$(ns_of a)" link add exa type veth peer name eth0 netns "$UP_NS" &&
        vsctl a add-port br-ex exa && ip -n "$(ns_of a)" link set exa up &&
        ip -n "$UP_NS" addr add 198.51.100.1/24 dev eth0 && ip -n "$UP_NS" link set eth0 up ||
        e2e_fatal "upstream link behind host A"
    ip netns exec "$(ns_of a)" ethtool -K exa tx off >/dev/null 2>&1
    ip netns exec "$UP_NS" ethtool -K eth0 tx off >/dev/null 2>&1
    start_host b 172.31.0.2 || e2e_fatal "host B: OVS, vnetd and ovn-controller start"
}
