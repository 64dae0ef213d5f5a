#!/usr/bin/env bash
# Scenario 19: a crash at any point leaves nothing vnet cannot show or remove.
#
# For each operation (start, destroy, define of an active network, forward-add, forward-del,
# net-update, create of a transient network), vnetd is traced once with strace to record its system calls. Every system call
# that changes something outside vnetd is a kill point: netlink requests other than GETs and
# dumps (rtnetlink, the nftables batch, conntrack deletes), the reply on the control socket,
# /proc/sys writes, rename, unlink, created directories, process spawns and signals. A crash
# between two such calls leaves the same host state as a crash at the entry of the second one,
# so killing at the entry of each of them (strace --inject=NAME:signal=KILL:when=N) covers
# every state a crash can leave; the read-only calls in between are not sampled.
# After each kill vnetd is started again, and the host must be exactly what the definitions and
# the active set say (links, tables, dnsmasq processes and status files are exactly those of
# the networks `vnet list` shows active): the bridge (marked vnet:NAME, with the live subnet), the nftables table
# with the live forwards (no ghost map element), one dnsmasq running the live config, status
# files of active networks only; nothing of an inactive network; a bystander network intact.
# Last, changes made while vnetd is down (a forward's element deleted, a ghost element added, a
# chain flushed, an address and a static route added, dnsmasq's config edited) are undone when
# it starts.
. "$(dirname "$0")/lib.sh"
e2e_init
command -v strace >/dev/null || e2e_fatal "strace is installed (scripts/install-deps.sh)"
command -v jq >/dev/null || e2e_fatal "jq is installed (scripts/install-deps.sh)"
e2e_start

NET=lab
BR=vt-lab0
SUB=192.168.160
PF=(--proto tcp --port 8080 --to $SUB.10:80)
RANGE="<range start='$SUB.50' end='$SUB.60'/>"
XML_A=$(net_xml_file lab "$(net_xml lab $BR $SUB nat)")
XML_B=$(net_xml_file lab-b "$(net_xml lab $BR 192.168.161 nat)")
XML_KEEP=$(net_xml_file keep "$(net_xml keep vt-keep0 192.168.170 nat)")
XML_TMP=$(net_xml_file tmp "$(net_xml tmp vt-tmp0 192.168.162 nat)") # transient (create)
DNSMASQ_DIR=$ROOT/var/lib/vnet/dnsmasq
KILLS=0
DRIFTED=0

nsx() { ip netns exec "$HOST_NS" "$@"; }

# dnsmasq processes of this ROOT in the host namespace: "NAME PID" lines
dnsmasq_procs() {
    local pid cmd
    for pid in $(ip netns pids "$HOST_NS" 2>/dev/null); do
        cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
        [[ $cmd == *"--conf-file=$DNSMASQ_DIR/"* ]] || continue
        cmd=${cmd##*--conf-file=$DNSMASQ_DIR/}
        echo "${cmd%%.conf*} $pid"
    done | sort
}

status_pid() { jq -r '.status.dnsmasq.pid // 0' "$ROOT/run/vnet/status/$1.json" 2>/dev/null; }

# links other than lo, the uplink and guests' veths
host_links() { ip -n "$HOST_NS" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
    grep -Ev '^(lo|uplink)$' | sort | tr '\n' ' '; }

pf_elements() { # kernel: elements of the pf* maps of BRIDGE's table
    nsx nft -j list table inet "vnet-$1" 2>/dev/null |
        jq '[.nftables[] | select(.map) | select(.map.name | startswith("pf")) |
             (.map.elem // []) | length] | add // 0'
}

live_subnet() { vnet dumpxml "$1" | sed -n "s/.*<ip address='\([0-9.]*\)'.*/\1/p" | head -1; }

# check_host: everything vnet made is what definitions + active set say. Prints problems.
check_host() {
    local active=0 want got p n nets
    net_active $NET && active=1
    # the active set and its bridges, as vnet shows them
    nets=$(vnet list --json | jq -r '(.networks? // .)[] | select(.active) | "\(.name) \(.bridge)"' | sort)
    want=$(awk '{ print $1 ".json" }' <<<"$nets" | tr '\n' ' ')
    got=$(cd "$ROOT/run/vnet/status" && ls -- *.json 2>/dev/null | sort | tr '\n' ' ')
    [ "$got" = "$want" ] || echo "status files: want '$want', got '$got'"
    got=$(cd "$ROOT/run/vnet/status" && ls -A | grep -v '\.json$' | tr '\n' ' ')
    [ -z "$got" ] || echo "stray files in the status dir: $got"
    want=$(awk '{ print $2 }' <<<"$nets" | sort | tr '\n' ' ')
    # a bridge being deleted in the background (vnetgcN) may take a moment to go
    wait_for 5 sh -c "[ \"\$(ip -n '$HOST_NS' -o link show | grep -c vnetgc)\" = 0 ]"
    got=$(host_links)
    [ "$got" = "$want" ] || echo "links: want '$want', got '$got'"
    # (and vnetd's NAT anchor while any active network has a table: all of these have)
    want=$(awk 'NF { print "table inet vnet-" $2; n++ } END { if (n) print "table inet vnetd_nat_anchor" }' \
        <<<"$nets" | sort)
    got=$(nsx nft list tables | sort)
    [ "$got" = "$want" ] || echo "tables: want '$want', got '$got'"
    want=$(while read -r name _; do echo "$name $(status_pid "$name")"; done <<<"$nets" | sort)
    got=$(dnsmasq_procs)
    [ "$got" = "$want" ] || echo "dnsmasq: want '$want', got '$got'"
    [ "$(status_pid keep)" = "$KEEP_PID" ] || echo "the bystander's dnsmasq was replaced"
    [ "$(pf_elements vt-keep0)" = 0 ] || echo "the bystander's table changed"
    [ $active = 1 ] || return 0
    nsx ip -d link show $BR | grep -q "alias vnet:$NET" || echo "$BR is not marked vnet:$NET"
    n=$(vnet forward-list $NET --json | jq 'length')
    got=$(pf_elements $BR)
    [ "$got" = "$n" ] || echo "forwards: forward-list shows $n, the kernel holds $got map elements"
    p=$(live_subnet $NET)
    got=$(ip -n "$HOST_NS" -4 -o addr show dev $BR | awk '{ split($4, a, "/"); print a[1] }' | tr '\n' ' ')
    [ "$got" = "$p " ] || echo "addresses on $BR: live definition says '$p', the kernel has '$got'"
    n=$(vnet dumpxml $NET | grep -c '<range ')
    got=$(grep -c '^dhcp-range=' "$DNSMASQ_DIR/$NET.conf")
    [ "$got" = "$n" ] || echo "dnsmasq config has $got dhcp ranges, the live definition $n"
}

restart() { vnetd_stop KILL && vnetd_start; }

# prepare OP: bring lab to OP's starting point, then start vnetd afresh, so that every run of
# OP begins in a freshly started vnetd (the same system calls each time).
prepare() {
    local op=$1
    if vnet dumpxml --inactive $NET 2>/dev/null | grep -q "192.168.161"; then
        vnet define "$XML_A" >/dev/null
        net_active $NET && vnet destroy $NET >/dev/null
    fi
    net_active tmp && vnet destroy tmp >/dev/null
    if [ "$op" = start ] || [ "$op" = create ]; then
        net_active $NET && vnet destroy $NET >/dev/null
    else
        net_active $NET || vnet start $NET >/dev/null
    fi
    local has_pf=0
    vnet forward-list $NET --json | jq -e 'length > 0' >/dev/null && has_pf=1
    if [ "$op" = forward-del ] && [ $has_pf = 0 ]; then vnet forward-add $NET "${PF[@]}" >/dev/null; fi
    if [ "$op" != forward-del ] && [ $has_pf = 1 ]; then vnet forward-del $NET --proto tcp --port 8080 >/dev/null; fi
    if vnet dumpxml $NET | grep -q "$SUB.50"; then vnet update $NET delete ip-dhcp-range "$RANGE" --live >/dev/null; fi
    if vnet dumpxml --inactive $NET | grep -q "$SUB.50"; then vnet update $NET delete ip-dhcp-range "$RANGE" --config >/dev/null; fi
    vnetd_stop TERM && vnetd_start
}

# the CLI with a bound (it would wait up to 300 s for a reply)
vnet_bounded() { timeout 30 ip netns exec "$HOST_NS" "$VNET_BIN" --root "$ROOT" "$@"; }

run_op() {
    case $1 in
    start) vnet_bounded start $NET ;;
    destroy) vnet_bounded destroy $NET ;;
    define) vnet_bounded define "$XML_B" ;;
    forward-add) vnet_bounded forward-add $NET "${PF[@]}" ;;
    forward-del) vnet_bounded forward-del $NET --proto tcp --port 8080 ;;
    update) vnet_bounded update $NET add ip-dhcp-range "$RANGE" --live --config ;;
    create) vnet_bounded create "$XML_TMP" ;;
    esac
}

attached() { grep -q '^TracerPid:[[:space:]]*[1-9]' "/proc/$VNETD_PID/status"; }

# strace_op OP STRACE-ARGS...: run OP with vnetd traced; STRACE_PID is stopped afterwards.
strace_op() {
    local op=$1
    shift
    strace -qq -p "$VNETD_PID" "$@" 2>/dev/null &
    local sp=$!
    wait_for 10 attached || e2e_log "strace did not attach"
    run_op "$op" >/dev/null 2>&1 || [ $? != 124 ] || e2e_log "$op: no reply within 30 s"
    wait_for 5 pid_dead "$VNETD_PID" || true
    stop_pid "$sp" INT 5
}

# The kill points of OP: "NAME N" for each system call that changes the host.
kill_points() {
    local op=$1 trace=$E2E_TMP/trace-$op
    strace_op "$op" -y -s 64 -o "$trace" \
        -e trace=sendto,sendmsg,write,rename,renameat,renameat2,unlink,unlinkat,mkdir,clone,clone3,vfork,kill,pidfd_send_signal
    awk '
    /^[a-z_0-9]+\(/ {
        name = $0; sub(/\(.*/, "", name); n[name]++; mut = 0
        if (name == "sendto" || name == "sendmsg") {
            mut = 1
            if ($0 ~ /nlmsg_flags=[^,]*0x300/) mut = 0
            if ($0 ~ /nlmsg_type=(0x12|0x16|0x1a|0xa10|0xa01|0xa04|0xa07|0xa0a|0xa0d|0xa13|0xa17|0x101) /) mut = 0
        } else if (name == "write") {
            mut = ($0 ~ /<\/proc\/sys\//)
        } else if (name == "mkdir") {
            mut = ($0 !~ /EEXIST/)
        } else if (name != "") {
            mut = 1
        }
        if (mut) print name, n[name]
    }' "$trace"
}

# the built-in default network is not part of this scenario
vnet destroy default >/dev/null && vnet undefine default >/dev/null || e2e_fatal "default network removed"
vnet define "$XML_KEEP" >/dev/null && vnet start keep >/dev/null || e2e_fatal "bystander network keep starts"
KEEP_PID=$(status_pid keep)
expect_ok "define lab" vnet define "$XML_A"

for op in start destroy define forward-add forward-del update create; do
    prepare $op || e2e_fatal "vnetd starts before $op"
    points=$(kill_points $op)
    if [ -z "$points" ] || ! pid_alive "$VNETD_PID"; then
        e2e_fail "$op: traced run completes and names its kill points" "$points"
        restart
        continue
    fi
    e2e_pass "$op: traced run completes ($(wc -l <<<"$points") kill points)"
    problems=$(check_host)
    expect_eq "$op: after the traced run the host is as vnet says" "" "$problems"
    while read -r name k; do
        prepare $op || e2e_fatal "vnetd starts before $op"
        strace_op "$op" -o /dev/null -e trace="$name" -e inject="$name:signal=KILL:when=$k"
        if pid_alive "$VNETD_PID"; then
            DRIFTED=$((DRIFTED + 1))
        else
            KILLS=$((KILLS + 1))
        fi
        restart || e2e_fatal "vnetd starts again after a kill during $op at $name #$k"
        problems=$(check_host)
        if [ -z "$problems" ]; then
            e2e_pass "$op killed at $name #$k: host as definitions and active set say"
        else
            e2e_fail "$op killed at $name #$k: host as definitions and active set say" "$problems"
        fi
    done <<<"$points"
done
e2e_log "$KILLS kills, $DRIFTED runs where the op finished before the chosen call"

# changes made while vnetd is down are found at start by looking at the kernel, not the status
prepare forward-del || e2e_fatal "vnetd starts before the offline changes"
vnetd_stop KILL
nsx nft delete element inet vnet-$BR pf4_any "{ tcp . 8080 }"
nsx nft add element inet vnet-$BR pf4_any "{ udp . 9999 : $SUB.66 . 99 }"
nsx nft flush chain inet vnet-$BR $(nsx nft -j list table inet vnet-$BR | jq -r '[.nftables[] | select(.chain) | .chain.name][0]')
ip -n "$HOST_NS" addr add 10.99.0.1/24 dev $BR
ip -n "$HOST_NS" route add 10.98.0.0/24 via $SUB.7 dev $BR proto static
echo "# edited" >>"$DNSMASQ_DIR/$NET.conf"
old_dns=$(status_pid $NET)
vnetd_start || e2e_fatal "vnetd starts after the offline changes"
expect_eq "after the offline changes the host is as vnet says" "" "$(check_host)"
e2e_run vnet forward-list $NET --json
expect_eq "the forward removed offline is back, the ghost is gone" "8080" "$(jq -r '.[].port' <<<"$E2E_OUT")"
expect_false "the foreign address is removed from $BR" sh -c "ip -n '$HOST_NS' addr show dev $BR | grep -q 10.99.0.1"
expect_false "the foreign static route through $BR is removed" sh -c "ip -n '$HOST_NS' route show | grep -q 10.98.0.0"
expect_false "dnsmasq with the edited config was replaced" test "$old_dns" = "$(status_pid $NET)"
expect_false "its config is the planned one again" grep -q "# edited" "$DNSMASQ_DIR/$NET.conf"
expect_match "vnetd says what it repaired" "table was not as vnet left it" "$(tail -20 "$VNETD_LOG")"

# everything vnet made can be removed by vnet
vnet destroy $NET >/dev/null 2>&1
expect_ok "destroy keep" vnet destroy keep
expect_ok "undefine lab" vnet undefine $NET
expect_ok "undefine keep" vnet undefine keep
wait_for 5 sh -c "[ -z \"\$(ip -n '$HOST_NS' -o link show | grep -Ev ': (lo|uplink)[:@]')\" ]"
expect_eq "no bridge is left" "" "$(host_links)"
expect_eq "no table is left" "" "$(nsx nft list tables)"
expect_eq "no dnsmasq is left" "" "$(dnsmasq_procs)"
e2e_done
