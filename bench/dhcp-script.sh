#!/bin/sh
# Minimal DHCP client script for the benchmark guests (dhclient -sf and
# udhcpc -s). It only configures the guest's own interface inside the guest
# namespace and never touches /etc/resolv.conf or anything else.
# dhclient passes $reason, $interface, $new_ip_address, $new_subnet_mask;
# udhcpc passes $1 (bound/renew/deconfig), $interface, $ip, $mask.
case "${reason:-$1}" in
PREINIT|deconfig)
    ip link set dev "$interface" up ;;
BOUND|RENEW|REBIND|REBOOT)
    ip addr replace "$new_ip_address/$new_subnet_mask" dev "$interface" ;;
bound|renew)
    ip addr replace "$ip/$mask" dev "$interface" ;;
esac
exit 0
