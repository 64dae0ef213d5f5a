#!/bin/bash
# A dnsmasq that is slow to get ready and slow to exit, given to vnetd with --dnsmasq (e2e 28).
# The copy a scenario uses has @CTL@ replaced with its control directory.
#
# vnetd runs it as `slow-dnsmasq --conf-file=DIR/NAME.conf` and, as with dnsmasq, waits for this
# process to exit (0: serving), then reads the daemon's pid from the config's pid-file. Here the
# daemon is a subshell of this script (its command line keeps --conf-file=..., so vnetd takes it
# for NAME's dnsmasq) which runs the real dnsmasq in the foreground (-k, its config given as
# `-C PATH`, which vnet's process scan does not count as one of its dnsmasqs) and writes its own
# pid into the pid-file. So vnetd's SIGTERM reaches this script, which ignores it for a while.
#
# Before it is ready, and between SIGTERM and its exit, it waits 0.5 s, or while CTL/NAME.hold-start
# (CTL/NAME.hold-stop) exists: at most 4 s (below vnetd's 5 s start timeout) and 1.8 s (below the
# 2 s after which vnetd sends SIGKILL). Its steps (starting, ready, term, exited) go to CTL/NAME.log.
CTL=@CTL@
DNSMASQ=/usr/sbin/dnsmasq
if [ "${1:-}" = --version ]; then exec "$DNSMASQ" --version; fi
conf=${1#--conf-file=}
name=$(basename "$conf" .conf)
pidfile=$(sed -n 's/^pid-file=//p' "$conf")

note() { echo "$1" >>"$CTL/$name.log"; }
hold() { # FILE MAX-TENTHS: while FILE exists (bounded), else 0.5 s
    local i=0
    if [ ! -e "$1" ]; then
        sleep 0.5
        return
    fi
    while [ -e "$1" ] && [ "$i" -lt "$2" ]; do
        sleep 0.1
        i=$((i + 1))
    done
}
stop() {
    note term
    hold "$CTL/$name.hold-stop" 18
    kill "$child" 2>/dev/null
    wait "$child"
    note exited
    exit 0
}
serve() {
    exec </dev/null >/dev/null 2>&1
    "$DNSMASQ" -k -C "$conf" &
    child=$!
    trap 'kill -HUP "$child"' HUP
    trap stop TERM
    local i
    for i in $(seq 200); do
        [ "$(cat "$pidfile" 2>/dev/null)" = "$child" ] && break
        kill -0 "$child" 2>/dev/null || exit 1
        sleep 0.05
    done
    echo "$BASHPID" >"$pidfile"
    while kill -0 "$child" 2>/dev/null; do wait "$child"; done
}

note starting
hold "$CTL/$name.hold-start" 40
serve &
daemon=$!
for i in $(seq 200); do
    if [ "$(cat "$pidfile" 2>/dev/null)" = "$daemon" ]; then
        note ready
        exit 0
    fi
    kill -0 "$daemon" 2>/dev/null || break
    sleep 0.05
done
echo "slow-dnsmasq: dnsmasq did not start (see $CTL)"
exit 2
