#!/bin/sh
# dhclient script for the e2e tests: configures ONLY the guest namespace's interface and
# default route with `ip`. Unlike the system script it never touches /etc/resolv.conf,
# the hostname or anything else on the machine.
case "$reason" in
PREINIT)
    ip link set dev "$interface" up
    ;;
BOUND | RENEW | REBIND | REBOOT)
    if [ -n "${old_ip_address:-}" ] && [ "$old_ip_address" != "$new_ip_address" ]; then
        ip -4 addr flush dev "$interface"
    fi
    ip -4 addr replace "$new_ip_address/${new_subnet_mask:-255.255.255.0}" dev "$interface" || exit 1
    for r in ${new_routers:-}; do
        ip -4 route replace default via "$r" dev "$interface"
        break
    done
    ;;
EXPIRE | FAIL | RELEASE)
    ip -4 addr flush dev "$interface"
    ;;
esac
exit 0
