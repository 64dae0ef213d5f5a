# bench/report.sh — table, JSON and plot from $RESULTS_TSV. Sourced by run.sh.

# machine_header: date, machine, kernel, versions, load average
machine_header() {
    local vnet_ver="not built"
    [ "${WANT_VNET:-0}" = 1 ] && vnet_ver="$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo '?') (build-bench, $(meson introspect --buildoptions "$REPO/build-bench" 2>/dev/null | jq -r '.[] | select(.name=="buildtype") | .value' 2>/dev/null))"
    cat <<EOF
date:       $(date -u '+%Y-%m-%d %H:%M UTC')
machine:    $(hostname), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(free -g | awk '/^Mem/ {print $2}') GiB
kernel:     $(uname -r)
libvirt:    $(libvirtd --version 2>/dev/null | awk '{print $NF}') ($(dpkg-query -W -f='${Version}' libvirt-daemon 2>/dev/null))
netavark:   $($NETAVARK --version 2>/dev/null | awk '{print $NF}') ($(dpkg-query -W -f='${Version}' netavark 2>/dev/null))
dnsmasq:    $(dnsmasq --version 2>/dev/null | head -1 | awk '{print $3}')
iptables:   $(iptables --version 2>/dev/null)
vnet:       $vnet_ver
load avg:   before $LOAD_BEFORE, after $LOAD_AFTER
runs:       $RUNS per timed cell (median, min-max); cells with n=1 are single measurements
EOF
}

# results_table: one row per (workload, metric); libvirt, netavark, vnet
# columns; the last column says how vnet compares with the anchor (libvirt,
# else netavark): "3.2x better" means 3.2 times faster / less / more
# throughput, whichever direction is good for that unit. "plain" is the
# datapath without any firewall rule: the limit, not a competitor.
results_table() {
    awk -F'\t' '
    function cell(k,   s) {
        if (!(k in med)) return "-"
        s = med[k]
        if (n[k] > 1) s = s " (" mn[k] "-" mx[k] ")"
        if (note[k] != "") s = s " *"
        return s
    }
    {
        key = $1 SUBSEP $2
        if (!(key in seen)) { seen[key] = 1; order[++rows] = key; wl[key] = $1; met[key] = $2; unit[key] = $8 }
        k = key SUBSEP $3
        med[k] = $4; mn[k] = $5; mx[k] = $6; n[k] = $7; note[k] = $9
        if ($9 != "") notes = notes "  * " $3 ", " $1 " " $2 ": " $9 "\n"
    }
    END {
        printf "%-11s %-34s %-7s %-30s %-30s %-30s %-30s %s\n", "workload", "metric", "unit", "libvirt 9.0", "netavark 1.4", "plain (limit)", "vnet", "vnet vs anchor"
        for (r = 1; r <= rows; r++) {
            key = order[r]
            a = key SUBSEP "libvirt"; if (!(a in med)) a = key SUBSEP "netavark"
            v = key SUBSEP "vnet"; ratio = "-"
            if ((a in med) && (v in med) && med[a] + 0 > 0 && med[v] + 0 > 0) {
                u = unit[key]
                if (u ~ /(bit\/s|pps|conn\/s)$/) x = med[v] / med[a]; else x = med[a] / med[v]
                ratio = sprintf("%.2fx %s", (x >= 1 ? x : 1 / x), (x >= 1 ? "better" : "worse"))
            }
            printf "%-11s %-34s %-7s %-30s %-30s %-30s %-30s %s\n", wl[key], met[key], unit[key], cell(key SUBSEP "libvirt"), cell(key SUBSEP "netavark"), cell(key SUBSEP "plain"), cell(key SUBSEP "vnet"), ratio
        }
        if (notes != "") printf "\nnotes:\n%s", notes
    }' "$RESULTS_TSV"
}

results_json() {
    local hdr
    hdr=$(machine_header | jq -R 'split(":") | {(.[0] | gsub(" "; "")): (.[1:] | join(":") | sub("^ +"; ""))}' | jq -s add)
    jq -R -s --argjson hdr "$hdr" '
        split("\n") | map(select(length > 0) | split("\t")) |
        map({workload: .[0], metric: .[1], tool: .[2],
             median: (.[3] as $m | ($m | tonumber? // $m)), min: (.[4] | tonumber? // null),
             max: (.[5] | tonumber? // null), runs: (.[6] | tonumber), unit: .[7], note: .[8]}) |
        {machine: $hdr, results: .}' "$RESULTS_TSV"
}

# plot PNG: (left) define+start total and list latency against N networks,
# (right) forward apply time against number of forwards
results_plot() {
    local png=$1 d=$WORK/plot t
    mkdir -p "$d"
    command -v gnuplot >/dev/null || { log "no gnuplot: no plot"; return 0; }
    for t in libvirt vnet netavark; do
        awk -F'\t' -v t="$t" '$1=="3-scale" && $3==t && $4+0 > 0 && $2 ~ /define\+start total$/ {
            split($2, a, /[= ]/); print a[2], $4}' "$RESULTS_TSV" | sort -n >"$d/start-$t.dat"
        awk -F'\t' -v t="$t" '$1=="3-scale" && $3==t && $2 ~ / list$/ {
            split($2, a, /[= ]/); print a[2], $4}' "$RESULTS_TSV" | sort -n >"$d/list-$t.dat"
        awk -F'\t' -v t="$t" '$1=="4-forwards" && $3==t && $2 ~ /^apply N=/ {
            split($2, a, /[= ]/); print a[3], $4}' "$RESULTS_TSV" | sort -n >"$d/fwd-$t.dat"
    done
    local plots1="" plots2="" plots3=""
    declare -A col=([libvirt]='#9400d3' [netavark]='#e69f00' [vnet]='#009e73')
    for t in libvirt vnet; do
        [ -s "$d/start-$t.dat" ] && plots1+="'$d/start-$t.dat' using 1:2 with linespoints lw 2 lc rgb '${col[$t]}' title '$t',"
        [ -s "$d/list-$t.dat" ] && plots2+="'$d/list-$t.dat' using 1:2 with linespoints lw 2 lc rgb '${col[$t]}' title '$t',"
    done
    for t in netavark vnet; do
        [ -s "$d/fwd-$t.dat" ] && plots3+="'$d/fwd-$t.dat' using 1:2 with linespoints lw 2 lc rgb '${col[$t]}' title '$t',"
    done
    {
        echo "set terminal pngcairo size 1500,500 font ',11'"
        echo "set output '$png'"
        echo "set multiplot layout 1,3"
        echo "set logscale xy; set grid; set key top left; set xlabel 'networks (N)'"
        echo "set title 'define+start N NAT networks (total, s)'; set ylabel 's'"
        [ -n "$plots1" ] && echo "plot ${plots1%,}" || echo "unset logscale; plot 0 notitle"
        echo "set logscale xy; set title 'list with N networks (ms)'; set ylabel 'ms'"
        [ -n "$plots2" ] && echo "plot ${plots2%,}" || echo "unset logscale; plot 0 notitle"
        echo "set logscale xy; set title 'apply N port forwards (total, s)'; set xlabel 'forwards (N)'; set ylabel 's'"
        [ -n "$plots3" ] && echo "plot ${plots3%,}" || echo "unset logscale; plot 0 notitle"
        echo "unset multiplot"
    } >"$d/plot.gp"
    gnuplot "$d/plot.gp" 2>"$d/gnuplot.err" || { log "gnuplot failed"; cat "$d/gnuplot.err" >&2; }
}

report_all() {
    local base
    base=$BENCH/results/${BENCH_RESULT_NAME:-$(date -u +%Y-%m-%d)-$(hostname)}
    mkdir -p "$BENCH/results"
    { machine_header; echo; results_table; } >"$base.txt"
    cp "$RESULTS_TSV" "$base.tsv"
    results_json >"$base.json"
    results_plot "$base.png"
    echo
    cat "$base.txt"
    echo
    log "saved $base.txt, $base.tsv, $base.json$( [ -f "$base.png" ] && echo ", $base.png")"
}

# Standalone: bash bench/report.sh RESULTS.tsv... — rebuild the table, JSON
# and plot from saved TSV files (later files win for the same cell), e.g. to
# combine a full run with a repeat of one workload (run.sh --only 4).
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -u
    BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    REPO=$(dirname "$BENCH")
    . "$BENCH/lib.sh"
    NETAVARK=/usr/lib/podman/netavark
    [ $# -ge 1 ] || { echo "usage: bash bench/report.sh RESULTS.tsv..." >&2; exit 2; }
    WORK=$(mktemp -d /tmp/vnet-bench-report.XXXXXX)
    trap 'rm -rf --one-file-system "$WORK"' EXIT
    # keep the last value of each (workload, metric, tool), in first-seen order
    awk -F'\t' '{ k = $1 FS $2 FS $3; if (!(k in v)) o[++n] = k; v[k] = $0 } END { for (i = 1; i <= n; i++) print v[o[i]] }' "$@" >"$WORK/results.tsv"
    RESULTS_TSV=$WORK/results.tsv
    WANT_VNET=1; [ -x "$REPO/build-bench/src/cli/vnet" ] || WANT_VNET=0
    RUNS=${RUNS:-7}
    LOAD_BEFORE=${LOAD_BEFORE:-"(see the merged runs)"} LOAD_AFTER=${LOAD_AFTER:-"$(cut -d' ' -f1-3 /proc/loadavg)"}
    report_all
fi
