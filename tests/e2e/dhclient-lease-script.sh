#!/bin/sh
# dhclient script for the uplink tests: like Debian's /sbin/dhclient-script, the leased
# address gets the lease time as its lifetime (so the kernel holds it as dynamic, not
# permanent), but it configures ONLY the namespace's interface with `ip`.
case "$reason" in
PREINIT)
    ip link set dev "$interface" up
    ;;
BOUND | RENEW | REBIND | REBOOT)
    ip -4 addr replace "$new_ip_address/${new_subnet_mask:-255.255.255.0}" dev "$interface" \
        valid_lft "${new_dhcp_lease_time:-3600}" preferred_lft "${new_dhcp_lease_time:-3600}" ||
        exit 1
    ;;
EXPIRE | FAIL | RELEASE)
    ip -4 addr flush dev "$interface"
    ;;
esac
exit 0
