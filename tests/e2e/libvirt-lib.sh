# shellcheck shell=bash
# Helpers for the libvirt RPC scenarios (40-42): real virsh and python3-libvirt against vnetd's
# virtnetworkd sockets. Source after lib.sh.

LV_PY=/usr/bin/python3 # Debian's python3 (python3-libvirt lives there, not in a pyenv)

lv_sock() { echo "$ROOT/run/libvirt/virtnetworkd-sock"; }
lv_sock_ro() { echo "$ROOT/run/libvirt/virtnetworkd-sock-ro"; }

# virsh_rw ARGS... / virsh_ro ARGS...: Debian's virsh through the read-write / read-only socket.
virsh_rw() { timeout 30 virsh -q -c "network:///system?socket=$(lv_sock)" "$@"; }
virsh_full() { timeout 30 virsh -c "network:///system?socket=$(lv_sock)" "$@"; }
virsh_ro() { timeout 30 virsh -c "network:///system?socket=$(lv_sock_ro)" "$@"; }

lv_require() {
    command -v virsh >/dev/null || e2e_fatal "virsh (libvirt-clients) is installed"
    "$LV_PY" -c 'import libvirt' 2>/dev/null || e2e_fatal "python3-libvirt is installed"
}

# lv_py CHECK ARGS...: run one check group of libvirt_binding.py, turning its PASS/FAIL lines
# into TAP results. Other output lines go to E2E_PY_OUT.
lv_py() {
    local line out
    out=$(VNET_CMD="ip netns exec $HOST_NS $VNET_BIN --root $ROOT" HOST_NS=$HOST_NS \
        timeout 120 "$LV_PY" "$E2E_DIR/libvirt_binding.py" "$@" 2>&1)
    E2E_PY_OUT=""
    local seen=0
    while IFS= read -r line; do
        case $line in
        "PASS "*) e2e_pass "${line#PASS }"; seen=1 ;;
        "FAIL "*) e2e_fail "${line#FAIL }"; seen=1 ;;
        *) E2E_PY_OUT+="$line"$'\n' ;;
        esac
    done <<<"$out"
    [ "$seen" = 1 ] || [ "$1" = port-create ] || [ "$1" = plug ] || e2e_fail "python check '$1' reported results" "$out"
}

# link_master IFNAME: the master bridge of a link in the host namespace (empty if none).
link_master() {
    ip -n "$HOST_NS" -o link show dev "$1" 2>/dev/null | sed -n 's/.* master \([^ ]*\) .*/\1/p'
}
