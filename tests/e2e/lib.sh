# shellcheck shell=bash
# End-to-end harness for vnet: sourced by every tests/e2e/*.sh scenario and by scripts/demo.sh.
#
# Everything happens inside network namespaces this run creates (prefix $E2E_P, unique per run):
#   $HOST_NS  where vnetd runs (the "hypervisor host"); default route via the upstream namespace
#   $UP_NS    the "outside world": 203.0.113.2/24 on the uplink, a TCP server, nothing else
#   $E2E_P-gN guests, plugged into a network's bridge with a veth pair
# Nothing touches the machine's root namespace. vnetd (and the dnsmasq it runs) see a private
# /etc/resolv.conf naming the upstream namespace, so even a forwarded DNS query stays inside.
# An EXIT trap ends every process in the run's namespaces (by PID), deletes the namespaces and
# the temp dir, then prints the summary line `N passed, M failed` last.

set -u
set -o pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_SRC_DIR=$(cd "$E2E_DIR/../.." && pwd)
VNET_BUILD_DIR=${VNET_BUILD_DIR:-$E2E_SRC_DIR/build}
VNETD_BIN=${VNETD_BIN:-$VNET_BUILD_DIR/src/daemon/vnetd}
VNET_BIN=${VNET_BIN:-$VNET_BUILD_DIR/src/cli/vnet}

UPLINK_NET=203.0.113        # TEST-NET-3: host .1, upstream .2
UPLINK_HOST=$UPLINK_NET.1
UPLINK_UP=$UPLINK_NET.2
DEFAULT_GW=192.168.122.1    # the built-in default network

E2E_PASS=0
E2E_FAIL=0
E2E_NUM=0
E2E_DONE=0
E2E_QUIET=${E2E_QUIET:-0}   # demo mode: no TAP lines for passing checks
E2E_NSES=()                 # every namespace created, deleted at exit
E2E_PIDS=()                 # background processes started here
E2E_OUT=""                  # output of the last e2e_run / expect_* command
E2E_RC=0
VNETD_PID=""
E2E_TMP=""
ROOT=""

# ---------------------------------------------------------------- reporting

e2e_diag() { # print lines as TAP diagnostics
    local line
    while IFS= read -r line; do printf '#   %s\n' "$line"; done <<<"$*"
}

e2e_pass() {
    E2E_NUM=$((E2E_NUM + 1))
    E2E_PASS=$((E2E_PASS + 1))
    [ "$E2E_QUIET" = 1 ] || printf 'ok %d - %s\n' "$E2E_NUM" "$1"
}

# e2e_fail DESC [DETAIL...]: record a failure, details as diagnostics.
e2e_fail() {
    E2E_NUM=$((E2E_NUM + 1))
    E2E_FAIL=$((E2E_FAIL + 1))
    printf 'not ok %d - %s\n' "$E2E_NUM" "$1"
    shift
    local d
    for d in "$@"; do e2e_diag "$d"; done
}

# e2e_fatal DESC [DETAIL...]: a failure that makes the rest of the script pointless.
e2e_fatal() {
    e2e_fail "$@"
    printf '# aborting: later checks depend on this one\n'
    exit 1
}

e2e_log() { printf '# %s\n' "$*"; }

# ---------------------------------------------------------------- sanitizers
# CI runs the scenarios a second time against the ASan+UBSan build (scripts/test.sh:
# VNET_BUILD_DIR=build-asan). A sanitizer report from vnetd or the CLI fails the scenario,
# whether or not the command's exit status gave it away.
E2E_SAN_RE='ERROR: [A-Za-z]*Sanitizer|SUMMARY: [A-Za-z]*Sanitizer|runtime error: |WARNING: [A-Za-z]*Sanitizer'

# e2e_sanitizer_check WHAT TEXT: fail if TEXT holds a sanitizer report.
e2e_sanitizer_check() {
    case $2 in
    *Sanitizer* | *"runtime error: "*) ;;
    *) return 0 ;;
    esac
    grep -Eq -- "$E2E_SAN_RE" <<<"$2" || return 0
    e2e_fail "no sanitizer report from $1" "$(grep -E -A20 -- "$E2E_SAN_RE" <<<"$2" | head -n 60)"
    return 1
}

# e2e_sanitizer_log: vnetd's log (written until it exits: leaks are reported at exit).
e2e_sanitizer_log() {
    [ -s "${VNETD_LOG:-/nonexistent}" ] || return 0
    grep -Eq -- "$E2E_SAN_RE" "$VNETD_LOG" || return 0
    e2e_sanitizer_check "vnetd (its log)" "$(cat "$VNETD_LOG")"
}

# e2e_run CMD...: run, keep combined output in E2E_OUT and status in E2E_RC.
e2e_run() {
    E2E_OUT=$("$@" 2>&1)
    E2E_RC=$?
    e2e_sanitizer_check "$*" "$E2E_OUT" || true
}

# expect_rc DESC RC CMD...: the command exits with RC.
expect_rc() {
    local desc=$1 want=$2
    shift 2
    e2e_run "$@"
    if [ "$E2E_RC" -eq "$want" ]; then
        e2e_pass "$desc"
        return 0
    fi
    e2e_fail "$desc" "command: $*" "expected exit status $want, got $E2E_RC" "output: $E2E_OUT"
    return 1
}

expect_ok() { local d=$1; shift; expect_rc "$d" 0 "$@"; }

# expect_fail DESC CMD...: the command exits non-zero.
expect_fail() {
    local desc=$1
    shift
    e2e_run "$@"
    if [ "$E2E_RC" -ne 0 ]; then
        e2e_pass "$desc"
        return 0
    fi
    e2e_fail "$desc" "command: $*" "expected a non-zero exit status, got 0" "output: $E2E_OUT"
    return 1
}

expect_eq() { # DESC EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then
        e2e_pass "$1"
        return 0
    fi
    e2e_fail "$1" "expected: '$2'" "got:      '$3'"
    return 1
}

expect_match() { # DESC EXTENDED-REGEX TEXT
    if grep -Eq -- "$2" <<<"$3"; then
        e2e_pass "$1"
        return 0
    fi
    e2e_fail "$1" "expected to match: $2" "got: $3"
    return 1
}

expect_no_match() { # DESC EXTENDED-REGEX TEXT
    if ! grep -Eq -- "$2" <<<"$3"; then
        e2e_pass "$1"
        return 0
    fi
    e2e_fail "$1" "expected NOT to match: $2" "got: $3"
    return 1
}

# expect_true DESC CMD...: like expect_ok, but for predicates (no output kept).
expect_true() {
    local desc=$1
    shift
    if "$@" >/dev/null 2>&1; then
        e2e_pass "$desc"
        return 0
    fi
    e2e_fail "$desc" "this was false: $*"
    return 1
}

expect_false() {
    local desc=$1
    shift
    if ! "$@" >/dev/null 2>&1; then
        e2e_pass "$desc"
        return 0
    fi
    e2e_fail "$desc" "this was true: $*"
    return 1
}

# Mark the end of the script's checks; without it the exit trap counts an abort.
e2e_done() { E2E_DONE=1; }

# ---------------------------------------------------------------- waiting and processes

# wait_for TIMEOUT CMD...: poll CMD (every 0.1 s) until it succeeds; 1 on timeout.
wait_for() {
    local timeout=$1
    shift
    local deadline=$((SECONDS + timeout))
    while :; do
        "$@" >/dev/null 2>&1 && return 0
        [ "$SECONDS" -ge "$deadline" ] && return 1
        sleep 0.1
    done
}

# pid_alive PID: the process exists and is not a zombie.
pid_alive() {
    local st
    st=$(sed -n 's/^.*) \([A-Za-z]\) .*$/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "$st" != Z ]
}

pid_dead() { ! pid_alive "$1"; }

# stop_pid PID [SIGNAL] [TIMEOUT]: signal, wait (bounded) for it to go, SIGKILL if it stays.
stop_pid() {
    local pid=$1 sig=${2:-TERM} timeout=${3:-5}
    [ -n "$pid" ] || return 0
    kill -"$sig" "$pid" 2>/dev/null || true
    if ! wait_for "$timeout" pid_dead "$pid"; then
        kill -KILL "$pid" 2>/dev/null || true
        wait_for 5 pid_dead "$pid" || true
    fi
    # reap it if it is our child (no-op otherwise)
    wait "$pid" 2>/dev/null || true
}

# e2e_bg CMD...: start CMD in the background, remember its PID in E2E_BG_PID.
e2e_bg() {
    "$@" &
    E2E_BG_PID=$!
    E2E_PIDS+=("$E2E_BG_PID")
}

# ---------------------------------------------------------------- setup and cleanup

e2e_require_root() {
    if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null; then
        echo "1..0 # SKIP needs root and iproute2 (network namespaces)"
        exit 77
    fi
}

# e2e_init: temp dir, names, exit trap. Call once at the top of a script.
e2e_init() {
    e2e_require_root
    E2E_P=vt$(printf '%04x' $((RANDOM % 65536)))$$
    E2E_P=${E2E_P:0:9}
    HOST_NS=$E2E_P-host
    UP_NS=$E2E_P-up
    # the account dnsmasq runs as, as `meson install` creates it (kept: it is part of the install)
    "$E2E_SRC_DIR/scripts/create-dnsmasq-user.sh" vnet-dnsmasq || { echo "cannot create vnet-dnsmasq"; exit 1; }
    E2E_TMP=$(mktemp -d /tmp/vnet-e2e.XXXXXX) || { echo "cannot make a temp dir"; exit 1; }
    chmod 755 "$E2E_TMP" # dnsmasq runs as nobody and must traverse ROOT
    ROOT=$E2E_TMP/root
    mkdir -p "$ROOT" "$E2E_TMP/log"
    chmod 755 "$ROOT"
    # the DHCP client scripts, executable whatever the checkout did to file modes
    install -m 755 "$E2E_DIR/dhclient-script.sh" "$E2E_DIR/udhcpc-script.sh" "$E2E_TMP/"
    VNETD_LOG=$E2E_TMP/log/vnetd.log
    : >"$VNETD_LOG"
    trap e2e_exit EXIT
    trap 'exit 130' INT TERM
}

e2e_netns_add() { # NAME: new namespace with lo up, remembered for cleanup
    ip netns add "$1" || return 1
    E2E_NSES+=("$1")
    ip -n "$1" link set lo up
}

# e2e_kill_ns_procs NS: end every process inside one of OUR namespaces, by PID.
e2e_kill_ns_procs() {
    local ns=$1 pids pid
    pids=$(ip netns pids "$ns" 2>/dev/null) || return 0
    [ -n "$pids" ] || return 0
    for pid in $pids; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in $pids; do
        wait_for 5 pid_dead "$pid" || kill -KILL "$pid" 2>/dev/null || true
    done
    for pid in $pids; do wait_for 5 pid_dead "$pid" || true; done
}

e2e_cleanup() {
    local pid ns
    [ -n "$VNETD_PID" ] && stop_pid "$VNETD_PID" TERM 5
    for pid in "${E2E_PIDS[@]}"; do
        pid_alive "$pid" && stop_pid "$pid" TERM 3
        wait "$pid" 2>/dev/null || true
    done
    for ns in "${E2E_NSES[@]}"; do e2e_kill_ns_procs "$ns"; done
    for ns in "${E2E_NSES[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    if [ -n "$E2E_TMP" ] && [ -d "$E2E_TMP" ]; then
        if [ "$E2E_FAIL" -gt 0 ] && [ -n "${E2E_KEEP:-}" ]; then
            echo "# kept $E2E_TMP (E2E_KEEP set)"
        else
            rm -rf -- "$E2E_TMP"
        fi
    fi
}

e2e_exit() {
    local rc=$?
    trap - EXIT
    if [ "$E2E_DONE" != 1 ]; then
        e2e_fail "script ran to the end (stopped early, status $rc)"
    fi
    # vnetd reports leaks when it exits: stop it before reading its log
    [ -n "$VNETD_PID" ] && stop_pid "$VNETD_PID" TERM 10
    VNETD_PID=""
    e2e_sanitizer_log
    if [ "$E2E_FAIL" -gt 0 ] && [ -s "${VNETD_LOG:-/nonexistent}" ]; then
        echo "# last lines of the vnetd log:"
        tail -n 40 "$VNETD_LOG" | e2e_diag "$(cat)"
    fi
    e2e_cleanup >/dev/null 2>&1
    if [ "$E2E_QUIET" = 1 ]; then
        [ "$E2E_FAIL" -eq 0 ] && echo "done: all $E2E_PASS checks passed, everything removed"
        [ "$E2E_FAIL" -eq 0 ] || echo "FAILED: $E2E_FAIL of $E2E_NUM checks failed (see above)"
    else
        echo "1..$E2E_NUM"
        echo "$E2E_PASS passed, $E2E_FAIL failed"
    fi
    [ "$E2E_FAIL" -eq 0 ] && exit 0
    exit 1
}

# e2e_topology: host + upstream namespaces and the uplink between them.
#   host:     uplink 203.0.113.1/24, default route via 203.0.113.2
#   upstream: eth0 203.0.113.2/24, no default route, no forwarding
e2e_topology() {
    e2e_topology_host "$HOST_NS" || return 1
    e2e_netns_add "$UP_NS" || return 1
    ip netns exec "$UP_NS" sysctl -qw net.ipv4.ip_forward=0
    ip -n "$HOST_NS" link add uplink type veth peer name eth0 netns "$UP_NS" || return 1
    ip -n "$UP_NS" addr add "$UPLINK_UP/24" dev eth0
    ip -n "$UP_NS" link set eth0 up
    e2e_uplink_host_side "$HOST_NS"
}

e2e_topology_host() { # NS: a host namespace (no uplink yet)
    e2e_netns_add "$1" || return 1
    printf 'nameserver %s\n' "$UPLINK_UP" >"$E2E_TMP/resolv.conf"
}

e2e_uplink_host_side() { # NS
    ip -n "$1" addr add "$UPLINK_HOST/24" dev uplink || return 1
    ip -n "$1" link set uplink up || return 1
    ip -n "$1" route add default via "$UPLINK_UP" dev uplink
}

# e2e_reboot_host: a fresh host namespace replacing the current one (a "reboot" of the host):
# the old one's processes are ended and it is deleted; the uplink is recreated.
e2e_reboot_host() {
    local old=$HOST_NS up_if
    [ -n "$VNETD_PID" ] && stop_pid "$VNETD_PID" TERM 10
    VNETD_PID=""
    e2e_kill_ns_procs "$old"
    ip netns del "$old"
    E2E_REBOOTS=$((${E2E_REBOOTS:-0} + 1))
    HOST_NS=$E2E_P-h$E2E_REBOOTS
    up_if=eth$E2E_REBOOTS
    # the old uplink goes away with the old namespace (asynchronously)
    wait_for 10 sh -c "! ip -n '$UP_NS' addr show | grep -q '$UPLINK_UP/'" || return 1
    e2e_topology_host "$HOST_NS" || return 1
    ip -n "$HOST_NS" link add uplink type veth peer name "$up_if" netns "$UP_NS" || return 1
    ip -n "$UP_NS" addr add "$UPLINK_UP/24" dev "$up_if" || return 1
    ip -n "$UP_NS" link set "$up_if" up || return 1
    e2e_uplink_host_side "$HOST_NS"
}

# ---------------------------------------------------------------- vnetd and the CLI

e2e_check_binaries() {
    local b
    for b in "$VNETD_BIN" "$VNET_BIN"; do
        [ -x "$b" ] || e2e_fatal "binary $b is built" "VNET_BUILD_DIR=$VNET_BUILD_DIR"
    done
}

# vnet ARGS...: the CLI, inside the host namespace, on this run's ROOT.
vnet() {
    ip netns exec "$HOST_NS" "$VNET_BIN" --root "$ROOT" "$@"
}

vnetd_socket() { echo "$ROOT/run/vnet/vnetd.sock"; }

vnetd_answers() { [ -S "$(vnetd_socket)" ] && vnet list >/dev/null 2>&1; }

# vnetd_start [ARGS...]: vnetd in the host namespace (private resolv.conf), wait until it answers.
vnetd_start() {
    echo "=== vnetd $* (host ns $HOST_NS) ===" >>"$VNETD_LOG"
    ip netns exec "$HOST_NS" unshare -m --propagation private \
        sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$E2E_TMP/resolv.conf" \
        "$VNETD_BIN" --root "$ROOT" --foreground "$@" >>"$VNETD_LOG" 2>&1 &
    VNETD_PID=$!
    if ! wait_for 20 vnetd_answers; then
        if pid_alive "$VNETD_PID"; then
            e2e_log "vnetd (pid $VNETD_PID) does not answer after 20 s"
        else
            wait "$VNETD_PID"
            e2e_log "vnetd exited with status $?"
        fi
        return 1
    fi
}

# vnetd_stop [SIGNAL]: stop the daemon (TERM by default; KILL for a crash).
vnetd_stop() {
    local sig=${1:-TERM}
    [ -n "$VNETD_PID" ] || return 0
    stop_pid "$VNETD_PID" "$sig" 10
    VNETD_PID=""
}

# net_active NAME: `vnet info` says Active: yes.
net_active() { vnet info "$1" 2>/dev/null | grep -Eq '^Active: +yes'; }

# net_bridge NAME: the bridge from `vnet info`.
net_bridge() { vnet info "$1" 2>/dev/null | sed -n 's/^Bridge: *//p'; }

link_exists() { ip -n "$HOST_NS" link show dev "$1" >/dev/null 2>&1; }
table_exists() { ip netns exec "$HOST_NS" nft list table inet "vnet-$1" >/dev/null 2>&1; }
host_tables() { ip netns exec "$HOST_NS" nft list tables 2>/dev/null; }

# dnsmasq_pid_of NAME: the pid of the dnsmasq running NAME's config, found in the host ns.
dnsmasq_pid_of() {
    local pid
    for pid in $(ip netns pids "$HOST_NS" 2>/dev/null); do
        if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "dnsmasq.*/$1\.conf"; then
            echo "$pid"
            return 0
        fi
    done
    return 1
}

# net_xml_file NAME CONTENT: write a definition to the temp dir, print its path.
net_xml_file() {
    local f=$E2E_TMP/$1.xml
    printf '%s\n' "$2" >"$f"
    echo "$f"
}

# net_xml NAME BRIDGE NET3 FORWARD [EXTRA] [DHCP-EXTRA]: a definition for NET3.0/24 (gateway
# NET3.1, DHCP range NET3.100-199). FORWARD: nat, route, open or none (isolated). EXTRA goes
# inside <network>, DHCP-EXTRA inside <dhcp>.
net_xml() {
    local name=$1 bridge=$2 net=$3 fwd=$4 extra=${5:-} dhcp_extra=${6:-} fwd_xml=""
    [ "$fwd" = none ] || fwd_xml="<forward mode='$fwd'/>"
    cat <<XML
<network>
  <name>$name</name>
  $fwd_xml
  <bridge name='$bridge' stp='on' delay='0'/>
  $extra
  <ip address='$net.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='$net.100' end='$net.199'/>
      $dhcp_extra
    </dhcp>
  </ip>
</network>
XML
}

# net_define_start NAME XML: define + start, each checked; 1 if either failed.
net_define_start() {
    local f
    f=$(net_xml_file "$1" "$2")
    expect_ok "define $1" vnet define "$f" || return 1
    expect_ok "start $1" vnet start "$1" || return 1
}

net_wait_active() { wait_for "${2:-15}" net_active "$1"; }

# files_of NAME: every file under ROOT whose name starts with NAME. (the definition included)
files_of() { find "$ROOT" -name "$1.*" -o -name "$1" 2>/dev/null | sort; }

# ---------------------------------------------------------------- guests

guest_ns() { echo "$E2E_P-$1"; }

# guest_add NAME BRIDGE [MAC]: a guest namespace whose eth0 is plugged into BRIDGE.
guest_add() {
    local name=$1 bridge=$2 mac=${3:-} ns
    ns=$(guest_ns "$name")
    e2e_netns_add "$ns" || return 1
    ip -n "$HOST_NS" link add "ve-$name" type veth peer name eth0 netns "$ns" || return 1
    [ -z "$mac" ] || ip -n "$ns" link set eth0 address "$mac" || return 1
    ip -n "$HOST_NS" link set "ve-$name" master "$bridge" || return 1
    ip -n "$HOST_NS" link set "ve-$name" up || return 1
    ip -n "$ns" link set eth0 up
}

guest_ip() { # NAME: the guest's IPv4 address on eth0 (empty if none)
    ip -n "$(guest_ns "$1")" -4 -o addr show dev eth0 2>/dev/null |
        awk '{ split($4, a, "/"); print a[1]; exit }'
}

guest_mac() { ip -n "$(guest_ns "$1")" -o link show dev eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }

# dhcp_dhclient NAME [HOSTNAME]: lease with ISC dhclient (own script, own lease/pid files,
# no config file), print the address. dhclient stays running (ended at cleanup).
dhcp_dhclient() {
    local name=$1 host=${2:-} ns d
    ns=$(guest_ns "$name")
    d=$E2E_TMP/dhclient-$name
    # our own config file (never /etc/dhcp/dhclient.conf): only the host name to send
    if [ -n "$host" ]; then printf 'send host-name "%s";\n' "$host"; fi >"$d.conf"
    local args=(-4 -1 -v -cf "$d.conf" -sf "$E2E_TMP/dhclient-script.sh" -lf "$d.leases" -pf "$d.pid")
    if ! timeout 60 ip netns exec "$ns" dhclient "${args[@]}" eth0 >"$d.log" 2>&1; then
        e2e_log "dhclient in $name failed:" >&2
        e2e_diag "$(cat "$d.log")" >&2
        return 1
    fi
    [ -s "$d.pid" ] && E2E_PIDS+=("$(cat "$d.pid")")
    guest_ip "$name"
}

# dhcp_udhcpc NAME [HOSTNAME]: lease with busybox udhcpc (own script), print the address.
dhcp_udhcpc() {
    local name=$1 host=${2:-} ns d
    ns=$(guest_ns "$name")
    d=$E2E_TMP/udhcpc-$name
    local args=(-i eth0 -s "$E2E_TMP/udhcpc-script.sh" -n -q -f -t 20 -T 2)
    [ -z "$host" ] || args+=(-x "hostname:$host")
    if ! timeout 60 ip netns exec "$ns" udhcpc "${args[@]}" >"$d.log" 2>&1; then
        e2e_log "udhcpc in $name failed:" >&2
        e2e_diag "$(cat "$d.log")" >&2
        return 1
    fi
    guest_ip "$name"
}

# dig_a NAME HOSTNAME SERVER: A records for HOSTNAME asked from guest NAME to SERVER.
dig_a() {
    ip netns exec "$(guest_ns "$1")" dig @"$3" "$2" A +short +time=1 +tries=2 2>&1
}

# json_query FILTER: jq on stdin (python3 stands in for the few filters used here if jq is
# missing: "." validates, "leases" prints "mac ip hostname type prefix" per lease object).
json_query() {
    if command -v jq >/dev/null; then
        case $1 in
        .) jq -e . ;;
        leases) jq -r '.. | objects | select(has("mac") and has("ip")) |
                       "\(.mac) \(.ip) \(.hostname) \(.type) \(.prefix)"' ;;
        esac
    elif command -v python3 >/dev/null; then
        python3 -c '
import json, sys
doc = json.load(sys.stdin)
if sys.argv[1] == "leases":
    def walk(o):
        if isinstance(o, dict):
            if "mac" in o and "ip" in o:
                print(o["mac"], o["ip"], o.get("hostname"), o.get("type"), o.get("prefix"))
            for v in o.values(): walk(v)
        elif isinstance(o, list):
            for v in o: walk(v)
    walk(doc)' "$1"
    else
        echo "json_query: needs jq (scripts/install-deps.sh should install it)" >&2
        return 1
    fi
}

# ---------------------------------------------------------------- TCP

# tcp_server NS PORT [SCRIPT]: socat listener in NS replying with the peer address it sees
# (or running SCRIPT with SOCAT_PEERADDR set); waits until it listens.
tcp_server() {
    local ns=$1 port=$2 script=${3:-'echo $SOCAT_PEERADDR'}
    e2e_bg ip netns exec "$ns" socat "TCP-LISTEN:$port,fork,reuseaddr" "SYSTEM:$script"
    wait_for 10 tcp_listening "$ns" "$port"
}

tcp_listening() { ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q LISTEN; }

upstream_server() { tcp_server "$UP_NS" "${1:-7000}"; }

# tcp_ask NS ADDR PORT: connect from NS, print what the server says (3 s connect timeout).
tcp_ask() {
    timeout 10 ip netns exec "$1" socat -T 5 -u "TCP:$2:$3,connect-timeout=3" - 2>&1
}

guest_ask() { tcp_ask "$(guest_ns "$1")" "$2" "$3"; }

# conn_open NS ADDR PORT: a long-lived TCP connection from NS (coprocess CONN).
conn_open() {
    coproc CONN { exec ip netns exec "$1" socat - "TCP:$2:$3,connect-timeout=3"; }
    E2E_PIDS+=("$CONN_PID")
}

# conn_say LINE: send a line on CONN, put the reply line in CONN_REPLY (5 s bound).
conn_say() {
    CONN_REPLY=""
    [ -n "${CONN_PID:-}" ] || return 1
    printf '%s\n' "$1" >&"${CONN[1]}" || return 1
    IFS= read -r -t 5 CONN_REPLY <&"${CONN[0]}"
}

# the upstream's line server: each line comes back prefixed with the peer address it saw
line_server() { tcp_server "$UP_NS" "$1" 'while read -r l; do echo "$SOCAT_PEERADDR $l"; done'; }

# line_ask NS ADDR PORT LINE: one line to a line server, print the reply line.
line_ask() {
    echo "$4" | timeout 10 ip netns exec "$1" socat -t 3 -T 3 - "TCP:$2:$3,connect-timeout=3" 2>&1
}

# e2e_start [VNETD-ARGS...]: fail early if the product is not built, else topology + vnetd.
e2e_start() {
    e2e_check_binaries
    e2e_topology || e2e_fatal "namespaces and uplink are set up"
    vnetd_start "$@" || e2e_fatal "vnetd starts and answers in the host namespace"
    e2e_pass "vnetd starts and answers in the host namespace"
}
