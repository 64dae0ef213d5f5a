#!/bin/sh
# busybox udhcpc script for the e2e tests: configures ONLY the guest namespace's interface and
# default route with `ip`; never touches /etc/resolv.conf or anything else on the machine.
case "$1" in
deconfig)
    ip -4 addr flush dev "$interface"
    ip link set dev "$interface" up
    ;;
bound | renew)
    ip -4 addr flush dev "$interface"
    ip -4 addr add "$ip/${mask:-24}" dev "$interface" || exit 1
    for r in ${router:-}; do
        ip -4 route replace default via "$r" dev "$interface"
        break
    done
    ;;
esac
exit 0
