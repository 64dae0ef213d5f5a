#!/bin/sh
# Create the system account dnsmasq runs as (user and group USER, no home, no
# login), unless it exists. Run by `meson install` (skipped when staging into
# DESTDIR: packages create it from the sysusers.d file) and by the e2e harness.
set -eu
user=${1:-vnet-dnsmasq}
if [ -n "${DESTDIR:-}" ]; then
    exit 0
fi
if getent passwd "$user" >/dev/null && getent group "$user" >/dev/null; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "create-dnsmasq-user: not root; create the system user '$user' yourself" >&2
    exit 0
fi
getent group "$user" >/dev/null || groupadd --system "$user"
getent passwd "$user" >/dev/null ||
    useradd --system --gid "$user" --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin --comment "vnet dnsmasq" "$user"
