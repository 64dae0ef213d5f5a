# bench/sandbox.sh — the three systems under test, each confined to network
# namespaces (and, for libvirt, a private mount namespace) that we create.
# Sourced by run.sh after lib.sh.

UPLINK_HOST=203.0.113.1   # TEST-NET-3, only ever inside our namespaces
UPLINK_UP=203.0.113.2

# uplink_add HOSTNS: an "upstream" namespace HOSTNS-up joined to HOSTNS by a
# veth (host 203.0.113.1/24, upstream .2), HOSTNS's default route points there.
# Same topology for every tool; the upstream only answers, it routes nowhere.
uplink_add() {
    local h=$1 u=$1-up
    netns_add "$u"
    ip -n "$h" link add up0 type veth peer name eth0 netns "$u" || die "uplink veth"
    ip -n "$h" addr add $UPLINK_HOST/24 dev up0
    ip -n "$u" addr add $UPLINK_UP/24 dev eth0
    ip -n "$h" link set up0 up
    ip -n "$u" link set eth0 up
    ip -n "$h" route add default via $UPLINK_UP
}

LV_DRIVER_DIR=/usr/lib/x86_64-linux-gnu/libvirt/connection-driver
LV_PID=""; VN_PID=""

# --- libvirt 9.0 (monolithic libvirtd, as Debian 12 runs it) -------------
# libvirtd runs in its own netns and mount ns: /run is a private tmpfs, and
# /etc/libvirt, /run/libvirt, /var/lib/libvirt, /var/cache/libvirt are bind
# mounts of directories under $WORK. /var/lib and /var/cache get an overlay
# (upper layer in $WORK) first so the mount points can be created without
# touching the real directories. The QEMU driver is hidden (it refuses to
# start without the libvirt-qemu user, which we do not create on the host):
# the driver directory is replaced by a copy holding the other drivers.
lv_start() {
    LV_NS=$BENCH_TAG-lv
    local w=$WORK/lv f
    rm -rf --one-file-system "$w"     # every start is a fresh, empty libvirt
    mkdir -p "$w"/{etc,run,lib,cache,drv,ov/lib-up,ov/lib-wk,ov/cache-up,ov/cache-wk}
    [ -d /etc/libvirt ] && cp -a /etc/libvirt/. "$w/etc/"
    for f in "$LV_DRIVER_DIR"/*.so; do
        case $f in *qemu*) ;; *) cp "$f" "$w/drv/" ;; esac
    done
    netns_add "$LV_NS"
    uplink_add "$LV_NS"
    ip netns exec "$LV_NS" unshare --mount --propagation private -- bash -c "
        set -e
        mount -t tmpfs -o mode=755 tmpfs /run
        mkdir -p /run/libvirt && mount --bind $w/run /run/libvirt
        mount --bind $w/etc /etc/libvirt
        mount --bind $w/drv $LV_DRIVER_DIR
        mount -t overlay overlay -o lowerdir=/var/lib,upperdir=$w/ov/lib-up,workdir=$w/ov/lib-wk /var/lib
        mount -t overlay overlay -o lowerdir=/var/cache,upperdir=$w/ov/cache-up,workdir=$w/ov/cache-wk /var/cache
        mkdir -p /var/lib/libvirt /var/cache/libvirt
        mount --bind $w/lib /var/lib/libvirt
        mount --bind $w/cache /var/cache/libvirt
        mount --bind $WORK/resolv.conf /etc/resolv.conf
        LIBVIRT_LOG_OUTPUTS=3:stderr exec /usr/sbin/libvirtd" >"$w/libvirtd.log" 2>&1 &
    LV_PID=$!
    track_pid "$LV_PID"
    LV_URI="network:///system?socket=$w/run/libvirt-sock"
    wait_for 30 virsh -q -c "$LV_URI" net-list --all || { cat "$w/libvirtd.log" >&2; die "libvirtd did not come up"; }
    log "libvirtd up (pid $LV_PID, netns $LV_NS, uri $LV_URI)"
}

lv_virsh() { virsh -q -c "$LV_URI" "$@"; }
lv_cli() { echo virsh -q -c "$LV_URI"; }   # argv prefix for timeit

lv_stop() {
    [ -n "$LV_PID" ] || return 0
    stop_pid "$LV_PID" 10
    netns_del "$LV_NS-up"
    netns_del "$LV_NS"    # also ends the (daemonized) dnsmasq still in it, by PID
    LV_PID=""
}

lv_daemon_pid() { echo "$LV_PID"; }

# --- vnet -------------------------------------------------------------------
# vnetd with --root $WORK/vn inside its own netns (ip netns exec also gives
# it a mount namespace).
vn_available() { [ -x "${VNETD:-}" ] && [ -x "${VNET:-}" ]; }

vn_start() {
    VN_NS=$BENCH_TAG-vn
    VN_ROOT=$WORK/vn
    rm -rf --one-file-system "$VN_ROOT"   # every start is a fresh, empty root
    mkdir -p "$VN_ROOT"
    netns_add "$VN_NS"
    uplink_add "$VN_NS"
    ip netns exec "$VN_NS" unshare --mount --propagation private -- bash -c "
        mount --bind $WORK/resolv.conf /etc/resolv.conf &&
        exec $VNETD --root $VN_ROOT --foreground" >"$WORK/vnetd.log" 2>&1 &
    VN_PID=$!
    track_pid "$VN_PID"
    if ! wait_for 30 "$VNET" --root "$VN_ROOT" list --all; then
        log "vnetd did not answer within 30 s; its log:"; cat "$WORK/vnetd.log" >&2
        vn_stop; return 1
    fi
    log "vnetd up (pid $VN_PID, netns $VN_NS, root $VN_ROOT)"
}

vn_cli() { echo "$VNET" --root "$VN_ROOT"; }
vn_vnet() { "$VNET" --root "$VN_ROOT" "$@"; }

vn_stop() {
    [ -n "$VN_PID" ] || return 0
    stop_pid "$VN_PID" 10
    netns_del "$VN_NS-up"
    netns_del "$VN_NS"    # vnetd leaves networks running on exit: netns_del ends their dnsmasq by PID
    VN_PID=""
}

# --- netavark 1.4 -------------------------------------------------------------
NETAVARK=/usr/lib/podman/netavark
nv_start() {
    NV_NS=$BENCH_TAG-nv
    NV_DIR=$WORK/nv
    mkdir -p "$NV_DIR/config"
    netns_add "$NV_NS"
    uplink_add "$NV_NS"
}
# nv_run ARGS... < json : netavark inside the host namespace we made
nv_run() { ip netns exec "$NV_NS" "$NETAVARK" --config "$NV_DIR/config" "$@"; }
nv_stop() { [ -n "${NV_NS:-}" ] && { netns_del "$NV_NS-up"; netns_del "$NV_NS"; }; NV_NS=""; }

sandbox_cleanup() {
    lv_stop; vn_stop; nv_stop
    local ns
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$BENCH_TAG-"); do netns_del "$ns"; done
}

# --- what a namespace costs ---------------------------------------------------
# ns_rules NS: number of firewall rules in the namespace (nft, which also
# shows iptables-nft rules), and number of set/map elements.
ns_rules() { # one netlink dump (nft -a list ruleset took minutes with 1,000 tables)
    if [ -n "${TABLECOUNT:-}" ]; then
        ip netns exec "$1" "$TABLECOUNT" --rules
        return
    fi
    ip netns exec "$1" nft -a list ruleset 2>/dev/null |
        awk '/# handle/ && $1 !~ /^(table|chain|set|map|flowtable)$/ {n++} END {print n+0}'
}

# ns_rss_kb NS PID: RSS of the daemon PID plus all dnsmasq in namespace NS
ns_rss_kb() {
    local ns=$1 dpid=$2 p tot=0 r
    r=$(awk '/^VmRSS/ {print $2}' /proc/"$dpid"/status 2>/dev/null); tot=$((tot + ${r:-0}))
    for p in $(ip netns pids "$ns" 2>/dev/null); do
        [ "$p" = "$dpid" ] && continue
        [ "$(cat /proc/"$p"/comm 2>/dev/null)" = dnsmasq ] || continue
        r=$(awk '/^VmRSS/ {print $2}' /proc/"$p"/status 2>/dev/null); tot=$((tot + ${r:-0}))
    done
    echo $tot
}

ns_nprocs() { ip netns pids "$1" 2>/dev/null | wc -l; }
