#!/bin/bash
# Installs what the benchmarks need from Debian without starting any service:
# a temporary /usr/sbin/policy-rc.d answering 101 ("action forbidden") is put
# in place for the duration of apt-get and the previous one (if any) restored.
BENCH_PKGS=(libvirt-daemon libvirt-clients python3-libvirt netavark iperf3 isc-dhcp-client
            udhcpc dnsmasq-base iptables gnuplot-nox jq bc strace gcc iputils-ping conntrack)

bench_missing_pkgs() {
    local p
    for p in "${BENCH_PKGS[@]}"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
    done
}

bench_install() {
    local missing
    missing=$(bench_missing_pkgs)
    [ -z "$missing" ] && { echo "bench: all packages present"; return 0; }
    echo "bench: installing:" $missing
    local prc=/usr/sbin/policy-rc.d saved=""
    if [ -e "$prc" ]; then
        saved=$(mktemp /tmp/bench-policy-rc.d.XXXXXX)
        cp -a "$prc" "$saved"
    fi
    # restore the previous policy-rc.d (or remove ours) whatever happens
    trap 'if [ -n "'"$saved"'" ]; then cp -a "'"$saved"'" '"$prc"'; rm -f "'"$saved"'"; else rm -f '"$prc"'; fi' RETURN
    printf '#!/bin/sh\n# temporary, from vnet bench/install.sh\nexit 101\n' >"$prc"
    chmod 755 "$prc"
    timeout 600 apt-get update -q
    DEBIAN_FRONTEND=noninteractive timeout 1200 apt-get install -y -q --no-install-recommends $missing
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    bench_install
fi
