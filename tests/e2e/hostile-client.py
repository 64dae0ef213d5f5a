#!/usr/bin/env python3
"""A hostile local client of vnetd's control socket, for scenario 12.

Run as an unprivileged user. Modes:
  bigreq N    N connections, each sending a 31 MiB request without finishing it
  fds N       N connections held open (more than the daemon's 1,024 default descriptors)
  noread N NAME  N clients asking for NAME's XML and never reading the reply
  events N    N event streams held open (never read)
Writes "ready" to READY_FILE once the attack is in place, then keeps it up
(re-opening what the daemon closes) until killed or DURATION seconds pass.
"""
import errno, os, resource, socket, sys, time

sock_path, ready_file, duration, mode, n = sys.argv[1:6]
duration, n = float(duration), int(n)
name = sys.argv[6] if len(sys.argv) > 6 else "default"
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(0.2)
    try:
        s.connect(sock_path)
    except OSError:
        s.close()
        return None
    s.setblocking(False)
    return s

def start(s):
    try:
        if mode == "bigreq":
            s.send(b'{"op":"ping","pad":"' + b"x" * 65536)
        elif mode == "events":  # an event stream, held open
            s.send(b'{"op":"events"}')
            s.shutdown(socket.SHUT_WR)
        elif mode == "noread":
            s.send(('{"op":"dumpxml","name":"%s"}' % name).encode())
            s.shutdown(socket.SHUT_WR)
    except OSError:
        pass

def feed(s):  # bigreq: keep the request growing, never finish it
    try:
        s.send(b"x" * 65536)
        return True
    except BlockingIOError:
        return True
    except OSError:
        return False

conns = []
deadline = time.monotonic() + duration
ready = False
t_start = time.monotonic()
sent = {}
while time.monotonic() < deadline:
    while len(conns) < n:
        s = connect()
        if s is None:
            break
        start(s)
        conns.append(s)
        sent[s] = 0
    if mode == "bigreq":
        alive = []
        for s in conns:
            if sent[s] < 31 * 1024 * 1024 and not feed(s):
                s.close()
                continue
            sent[s] += 65536
            alive.append(s)
        conns = alive
    elif mode in ("fds", "events"):
        alive = []
        for s in conns:  # the daemon closes what it refuses: open another
            try:
                if s.recv(1, socket.MSG_PEEK) == b"":
                    s.close()
                    continue
            except BlockingIOError:
                pass
            except OSError:
                s.close()
                continue
            alive.append(s)
        conns = alive
    elif mode == "noread" and len(conns) >= n:  # rotate: fresh unread replies all the time
        for s in conns[: max(1, n // 10)]:
            s.close()
        conns = conns[max(1, n // 10):]
    if not ready and time.monotonic() - t_start > 1:
        with open(ready_file, "w") as f:
            f.write("ready %d\n" % len(conns))
        ready = True
    time.sleep(0.05)
