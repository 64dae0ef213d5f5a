#!/bin/bash
# guest.sh plug HOSTNS BRIDGE GUESTNS CLIENT DIR
#     creates namespace GUESTNS, a veth whose host end is a port of BRIDGE in
#     HOSTNS, and runs CLIENT (dhclient|udhcpc|none) until it holds a lease.
#     Exits 0 once the lease is bound (that is the moment timeit measures).
# guest.sh unplug GUESTNS DIR
#     stops the DHCP client (by PID) and deletes the namespace.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cmd=$1; shift
case $cmd in
plug)
    hostns=$1 br=$2 g=$3 client=$4 dir=$5
    mkdir -p "$dir"
    rm -f "$dir"/lease "$dir"/pid
    ip netns add "$g" || exit 1
    hostif=vh$(printf %s "$g" | tail -c 10)
    ip -n "$hostns" link add "$hostif" type veth peer name eth0 netns "$g" || exit 1
    ip -n "$hostns" link set "$hostif" master "$br" up || exit 1
    ip -n "$g" link set lo up
    ip -n "$g" link set eth0 up
    case $client in
    dhclient)
        printf 'timeout 60;\nretry 1;\n' >"$dir/dhclient.conf"
        # without -d dhclient forks into the background once bound: the
        # parent's exit marks "lease bound"
        exec ip netns exec "$g" dhclient -4 -1 -q -sf "$here/dhcp-script.sh" \
            -cf "$dir/dhclient.conf" -lf "$dir/lease" -pf "$dir/pid" eth0 ;;
    udhcpc)
        # -q: quit once bound; -n: fail instead of backgrounding; bounded tries
        exec ip netns exec "$g" udhcpc -q -f -n -t 20 -i eth0 -s "$here/dhcp-script.sh" >/dev/null 2>&1 ;;
    none) exit 0 ;;
    esac ;;
unplug)
    g=$1 dir=$2
    if [ -s "$dir/pid" ]; then
        pid=$(cat "$dir/pid")
        # only if that PID really is a dhclient in our guest namespace
        if ip netns pids "$g" 2>/dev/null | grep -qx "$pid"; then kill -TERM "$pid" 2>/dev/null; fi
        rm -f "$dir/pid"
    fi
    for p in $(ip netns pids "$g" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    ip netns del "$g" 2>/dev/null
    exit 0 ;;
*) echo "usage: guest.sh plug|unplug ..." >&2; exit 2 ;;
esac
