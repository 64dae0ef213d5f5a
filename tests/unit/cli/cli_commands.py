#!/usr/bin/env python3
"""Run the built `vnet` against a fake vnetd and check requests, output, exit status.

The fake daemon speaks the control protocol (notes/protocol.md): one JSON
request per connection, read to EOF, one JSON reply. Each case gives the
command line, the request the CLI must send, the canned reply, and the exact
stdout/stderr/exit status expected. Usage: cli_commands.py VNET
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading

UUID = "3e3fce45-4f53-4fa7-bb32-11f34168b82b"
NETS = [
    {"name": "default", "uuid": UUID, "active": True, "autostart": True,
     "persistent": True, "bridge": "virbr0"},
    {"name": "lab", "uuid": "11111111-2222-3333-4444-555555555555", "active": False,
     "autostart": False, "persistent": True, "bridge": "virbr1"},
]
LEASES = [
    {"expiry": 1714566896, "mac": "52:54:00:ff:00:01", "type": "ipv4",
     "ip": "192.168.122.46", "prefix": 24, "hostname": None, "client_id": None},
    {"expiry": 1714566896, "mac": "52:54:00:aa:bb:cc", "type": "ipv4",
     "ip": "192.168.122.45", "prefix": 24, "hostname": "vm1",
     "client_id": "01:52:54:00:aa:bb:cc"},
]
NOT_FOUND = {"ok": False, "kind": "not-found",
             "error": "Network not found: no network with matching name 'nope'"}
LEASE_HDR = (" Expiry Time           MAC address         Protocol   IP address          "
             "Hostname   Client ID or DUID\n" + "-" * 107 + "\n")
FWD = [{"proto": "tcp", "address": "", "port": 8080, "port_end": 0,
        "to_addr": "192.168.122.10", "to_port": 80, "to_port_end": 0,
        "packets": 3, "bytes": 180}]

# `list` with "rows": what the table shows, per network
ROWS = [[n["name"], n["uuid"], n["active"], n["persistent"], n["autostart"], None] for n in NETS]
LIST_ROWS = {"op": "list", "rows": True}

# (argv, expected request or None if no request may be sent, reply, stdout, stderr, rc)
CASES = [
    (["list"], LIST_ROWS, {"ok": True, "rows": ROWS},
     " Name      State    Autostart   Persistent\n" + "-" * 44 + "\n"
     " default   active   yes         yes\n", "", 0),
    (["list", "--all", "--title"], LIST_ROWS,
     {"ok": True, "rows": ROWS[:1] + [ROWS[1][:5] + ["Lab net"]]},
     " Name      State      Autostart   Persistent   Title\n" + "-" * 56 + "\n"
     " default   active     yes         yes          \n"
     " lab       inactive   no          yes          Lab net\n", "", 0),
    # an older vnetd, which answers with summaries
    (["list"], LIST_ROWS, {"ok": True, "networks": NETS},
     " Name      State    Autostart   Persistent\n" + "-" * 44 + "\n"
     " default   active   yes         yes\n", "", 0),
    (["net-list", "--all", "--name"], LIST_ROWS, {"ok": True, "rows": ROWS},
     "default\nlab\n", "", 0),
    (["list", "--inactive", "--uuid"], LIST_ROWS, {"ok": True, "rows": ROWS},
     "11111111-2222-3333-4444-555555555555\n", "", 0),
    (["list", "--all", "--json"], {"op": "list"}, {"ok": True, "networks": NETS},
     json.dumps(NETS, indent=2) + "\n", "", 0),
    (["info", "default"], {"op": "info", "name": "default"},
     {"ok": True, "network": NETS[0]},
     "Name:           default\nUUID:           " + UUID + "\nActive:         yes\n"
     "Persistent:     yes\nAutostart:      yes\nBridge:         virbr0\n", "", 0),
    (["net-info", "nope"], {"op": "info", "name": "nope"}, NOT_FOUND, "",
     "error: failed to get network 'nope'\n"
     "error: Network not found: no network with matching name 'nope'\n", 1),
    (["info", "--network", UUID], {"op": "info", "name": UUID},
     {"ok": True, "network": NETS[0]},
     "Name:           default\nUUID:           " + UUID + "\nActive:         yes\n"
     "Persistent:     yes\nAutostart:      yes\nBridge:         virbr0\n", "", 0),
    (["-q", "list"], LIST_ROWS, {"ok": True, "networks": NETS},
     " default   active   yes   yes\n", "", 0),
    (["-c", "network:///system", "list", "--name"], LIST_ROWS,
     {"ok": True, "networks": NETS}, "default\n", "", 0),
    (["--connect", "qemu:///system", "list"], None, None, "",
     "error: cannot use connection URI 'qemu:///system': vnet manages virtual networks only, "
     "through its own daemon; use vnet:///system, network:///system (optionally with "
     "?socket=PATH)\n", 1),
    (["-c", "vnet:///session", "list"], None, None, "",
     "error: connection URI 'vnet:///session': vnet has only a system instance (no session "
     "mode); use vnet:///system, network:///system (optionally with ?socket=PATH)\n", 1),
    (["start", "lab"], {"op": "start", "name": "lab"}, {"ok": True},
     "Network lab started\n", "", 0),
    (["start", "default"], {"op": "start", "name": "default"},
     {"ok": False, "kind": "busy",
      "error": "Requested operation is not valid: network 'default' is already active"}, "",
     "error: Failed to start network default\nerror: Requested operation is not valid: network 'default' is already active\n", 1),
    (["net-destroy", "default"], {"op": "destroy", "name": "default"}, {"ok": True},
     "Network default destroyed\n", "", 0),
    (["undefine", "lab"], {"op": "undefine", "name": "lab"}, {"ok": True},
     "Network lab has been undefined\n", "", 0),
    (["autostart", "lab"], {"op": "autostart", "name": "lab", "enable": True}, {"ok": True},
     "Network lab marked as autostarted\n", "", 0),
    (["net-autostart", "lab", "--disable"], {"op": "autostart", "name": "lab", "enable": False},
     {"ok": True}, "Network lab unmarked as autostarted\n", "", 0),
    (["define", "@NETXML"], {"op": "define", "xml": "<network><name>lab</name></network>\n",
                             "source": "@NETXML"},
     {"ok": True, "name": "lab"}, "Network lab defined from @NETXML\n", "", 0),
    (["net-create", "@NETXML"], {"op": "create", "xml": "<network><name>lab</name></network>\n",
                                 "source": "@NETXML"},
     {"ok": True, "name": "lab"}, "Network lab created from @NETXML\n", "", 0),
    (["define", "/nonexistent/x.xml"], None, None, "",
     "error: Failed to open file '/nonexistent/x.xml': No such file or directory\n", 1),
    (["dumpxml", "default", "--inactive"], {"op": "dumpxml", "name": "default", "inactive": True},
     {"ok": True, "xml": "<network>\n</network>"}, "<network>\n</network>\n", "", 0),
    (["uuid", "default"], {"op": "lookup", "name": "default"},
     {"ok": True, "name": "default", "uuid": UUID}, UUID + "\n", "", 0),
    (["net-name", UUID], {"op": "lookup", "uuid": UUID},
     {"ok": True, "name": "default", "uuid": UUID}, "default\n", "", 0),
    (["dhcp-leases", "default"], {"op": "dhcp-leases", "name": "default"},
     {"ok": True, "leases": LEASES}, LEASE_HDR +
     " 2024-05-01 12:34:56   52:54:00:aa:bb:cc   ipv4       192.168.122.45/24   vm1        "
     "01:52:54:00:aa:bb:cc\n"
     " 2024-05-01 12:34:56   52:54:00:ff:00:01   ipv4       192.168.122.46/24   -          -\n",
     "", 0),
    (["net-dhcp-leases", "default", "52:54:00:AA:BB:CC"],
     {"op": "dhcp-leases", "name": "default", "mac": "52:54:00:aa:bb:cc"},
     {"ok": True, "leases": LEASES[1:]}, LEASE_HDR +
     " 2024-05-01 12:34:56   52:54:00:aa:bb:cc   ipv4       192.168.122.45/24   vm1        "
     "01:52:54:00:aa:bb:cc\n", "", 0),
    (["dhcp-leases", "default"], {"op": "dhcp-leases", "name": "default"},
     {"ok": True, "leases": []},
     " Expiry Time   MAC address   Protocol   IP address   Hostname   Client ID or DUID\n"
     + "-" * 83 + "\n", "", 0),
    (["dhcp-leases", "default", "--json"], {"op": "dhcp-leases", "name": "default"},
     {"ok": True, "leases": LEASES}, json.dumps([LEASES[1], LEASES[0]], indent=2) + "\n", "", 0),
    (["dhcp-leases", "default", "--mac", "zz"], None, None, "",
     "error: invalid MAC address 'zz' (expected aa:bb:cc:dd:ee:ff)\n", 1),
    (["update", "default", "add", "ip-dhcp-host",
      "<host mac='52:54:00:00:00:01' ip='192.168.122.5'/>", "--live", "--config"],
     {"op": "update", "name": "default", "command": "add-last", "section": "ip-dhcp-host",
      "xml": "<host mac='52:54:00:00:00:01' ip='192.168.122.5'/>", "parent_index": -1,
      "live": True, "config": True},
     {"ok": True}, "Updated network default persistent config and live state\n", "", 0),
    (["net-update", "default", "delete", "dns-host", "@NETXML", "--parent-index", "0",
      "--live"],
     {"op": "update", "name": "default", "command": "delete", "section": "dns-host",
      "xml": "<network><name>lab</name></network>\n", "parent_index": 0, "live": True,
      "config": False},
     {"ok": True}, "Updated network default live state\n", "", 0),
    (["update", "default", "add-first", "dns-txt", "<txt name='a' value='b'/>"],
     {"op": "update", "name": "default", "command": "add-first", "section": "dns-txt",
      "xml": "<txt name='a' value='b'/>", "parent_index": -1, "live": False, "config": False},
     {"ok": True}, "Updated network default live state\n", "", 0),
    (["update", "lab", "add", "dns-txt", "<txt name='a' value='b'/>"],
     {"op": "update", "name": "lab", "command": "add-last", "section": "dns-txt",
      "xml": "<txt name='a' value='b'/>", "parent_index": -1, "live": False, "config": False},
     {"ok": True, "live": False, "config": True}, "Updated network lab persistent config\n",
     "", 0),
    (["update", "default", "frob", "dns-txt", "<txt/>"], None, None, "",
     "error: unrecognized command name 'frob'\n"
     "The commands are add (= add-last), add-first, delete and modify.\n", 1),
    (["update", "default", "add", "dns-nope", "<txt/>"], None, None, "",
     "error: unrecognized section name 'dns-nope'\nSee 'vnet update --help' for the sections.\n",
     1),
    (["update", "default", "add", "dns-txt", "<txt/>", "--parent-index", "x"], None, None, "",
     "error: --parent-index 'x': expected a number >= 0 (or -1 for the first matching <ip>)\n",
     1),
    (["forward-add", "default", "--proto", "tcp", "--port", "8080",
      "--to", "192.168.122.10:80"],
     {"op": "forward-add", "name": "default", "proto": "tcp", "port": 8080,
      "to_addr": "192.168.122.10", "to_port": 80},
     {"ok": True}, "Forward tcp 8080 -> 192.168.122.10:80 added to network default\n", "", 0),
    (["net-forward-add", "default", "--proto=udp", "--port=5000-5009", "--to=[fd00::10]:6000-6009",
      "--address=2001:db8::1"],
     {"op": "forward-add", "name": "default", "proto": "udp", "port": 5000, "port_end": 5009,
      "to_addr": "fd00::10", "to_port": 6000, "address": "2001:db8::1"},
     {"ok": True},
     "Forward udp 5000-5009 -> [fd00::10]:6000-6009 added to network default\n", "", 0),
    (["forward-add", "default", "--proto", "tcp", "--port", "0", "--to", "192.168.122.10"],
     None, None, "", "error: --port '0': port 0 is out of range (1-65535)\n", 1),
    (["forward-add", "default", "--proto", "tcp", "--port", "8080"], None, None, "",
     "error: missing --to GUESTADDR[:PORT[-END]]\n", 1),
    (["forward-del", "default", "--proto", "tcp", "--port", "8080"],
     {"op": "forward-del", "name": "default", "proto": "tcp", "port": 8080},
     {"ok": True}, "Forward tcp 8080 removed from network default\n", "", 0),
    (["forward-del", "default", "--proto", "tcp", "--port", "8081"],
     {"op": "forward-del", "name": "default", "proto": "tcp", "port": 8081},
     {"ok": False, "kind": "not-found",
      "error": "network 'default' has no tcp port forward from port 8081"}, "",
     "error: network 'default' has no tcp port forward from port 8081\n", 1),
    (["forward-list", "default"], {"op": "forward-list", "name": "default"},
     {"ok": True, "forwards": FWD},
     " Proto   Host address   Host port(s)   Guest address    Guest port(s)   Packets   Bytes\n"
     + "-" * 89 + "\n"
     " tcp     *              8080           192.168.122.10   80              3         180\n",
     "", 0),
    (["forward-list", "default", "--json"], {"op": "forward-list", "name": "default"},
     {"ok": True, "forwards": FWD}, json.dumps(FWD, indent=2) + "\n", "", 0),
    (["ping"], {"op": "ping"}, {"ok": True, "version": "0.1.0"},
     "vnetd 0.1.0 is running\n", "", 0),
    (["start"], None, None, "", "error: command 'start' requires <network> option\n", 1),
    (["net-start", "a", "b"], None, None, "", "error: unexpected data 'b'\n", 1),
    (["list", "--bogus"], None, None, "",
     "error: command 'list' doesn't support option --bogus\n", 1),
    (["net-list", "--inactiv"], None, None, "",
     "error: command 'net-list' doesn't support option --inactiv\n"
     "Did you mean '--inactive'?\n", 1),
    (["frobnicate"], None, None, "", "error: unknown command: 'frobnicate'\n", 1),
    (["net-lisst"], None, None, "",
     "error: unknown command: 'net-lisst'\nDid you mean 'net-list'?\n", 1),
    (["dumxpml", "default"], None, None, "",
     "error: unknown command: 'dumxpml'\nDid you mean 'dumpxml'?\n", 1),
    (["net-update", "--network", "default", "--command", "add", "--section", "dns-txt",
      "--xml", "<txt name='a' value='b'/>", "--live"],
     {"op": "update", "name": "default", "command": "add-last", "section": "dns-txt",
      "xml": "<txt name='a' value='b'/>", "parent_index": -1, "live": True, "config": False},
     {"ok": True}, "Updated network default live state\n", "", 0),
    (["net-update", "default", "--command", "delete", "dns-txt", "<txt name='a' value='b'/>",
      "2"],
     {"op": "update", "name": "default", "command": "delete", "section": "dns-txt",
      "xml": "<txt name='a' value='b'/>", "parent_index": 2, "live": False, "config": False},
     {"ok": True}, "Updated network default live state\n", "", 0),
    (["net-define", "--file", "@NETXML"],
     {"op": "define", "xml": "<network><name>lab</name></network>\n", "source": "@NETXML"},
     {"ok": True, "name": "lab"}, "Network lab defined from @NETXML\n", "", 0),
    (["net-define", "--validate", "@BADXML"], None, None, "",
     "error: Failed to define network from @BADXML\nerror: XML document failed to validate: "
     "@BADXML:1: <network>: missing <name>\n", 1),
    (["dumpxml", "default", "--xpath", "/network/name"], {"op": "dumpxml", "name": "default",
                                                          "inactive": False},
     {"ok": True, "xml": "<network>\n  <name>x</name>\n  <ip address='1.2.3.4'/>\n</network>"},
     "<name>x</name>\n", "", 0),
    (["dumpxml", "default", "--xpath", "//ip/@address|/network/name", "--wrap"],
     {"op": "dumpxml", "name": "default", "inactive": False},
     {"ok": True, "xml": "<network>\n  <name>x</name>\n  <ip address='1.2.3.4'/>\n</network>"},
     "<nodes address=\"1.2.3.4\">\n  <name>x</name>\n</nodes>\n", "", 0),
    (["dumpxml", "default", "--xpath", "/nope", "--wrap"],
     {"op": "dumpxml", "name": "default", "inactive": False},
     {"ok": True, "xml": "<network/>"}, "<nodes/>\n", "", 0),
    (["dumpxml", "default", "--xpath", "count(//ip)"],
     {"op": "dumpxml", "name": "default", "inactive": False},
     {"ok": True, "xml": "<network/>"}, "",
     "error: XPath expression 'count(//ip)' gives a number, not nodes; select nodes (e.g. "
     "/network/name or //ip/@address)\n", 1),
    (["dumpxml", "default", "--wrap"], None, None, "",
     "error: option --wrap requires option --xpath\n", 1),
    # uplinks
    (["uplink-attach", "eth0", "--bridge", "br0", "--confirm-within", "30"],
     {"op": "uplink-attach", "bridge": "br0", "nic": "eth0", "confirm_within": 30},
     {"ok": True, "addresses": 2, "routes": 1, "confirm_within": 30},
     "Uplink eth0 attached to bridge br0 (2 addresses, 1 route moved)\n"
     "Run 'vnet uplink-confirm br0' within 30 s to keep it; otherwise it is rolled back.\n",
     "", 0),
    (["uplink-attach", "eth0", "--bridge=br0"],
     {"op": "uplink-attach", "bridge": "br0", "nic": "eth0", "confirm_within": 60},
     {"ok": False, "kind": "busy", "error": "refusing to move 'eth0' into bridge 'br0': x"},
     "", "error: refusing to move 'eth0' into bridge 'br0': x\n", 1),
    (["uplink-attach", "eth0"], None, None, "", "error: missing --bridge BRIDGE\n", 1),
    (["uplink-attach", "eth0", "--bridge", "br0", "--confirm-within", "soon"], None, None, "",
     "error: --confirm-within takes a number of seconds (1 or more), not 'soon'\n", 1),
    (["uplink-confirm", "br0"], {"op": "uplink-confirm", "bridge": "br0"}, {"ok": True},
     "Uplink on bridge br0 confirmed\n", "", 0),
    (["uplink-detach", "br0"], {"op": "uplink-detach", "bridge": "br0"}, {"ok": True},
     "Uplink on bridge br0 detached\n", "", 0),
    (["uplink-list"], {"op": "uplink-list"},
     {"ok": True, "uplinks": [{"bridge": "br0", "nic": "eth0", "state": "trial",
                               "confirm_left": 42, "present": True, "mac": "02:00:00:00:00:01",
                               "addresses": [{"address": "192.0.2.5", "prefix": 24}]}]},
     " Bridge   Interface   State             MAC                 Addresses\n" + "-" * 74 + "\n"
     " br0      eth0        trial, 42s left   02:00:00:00:00:01   192.0.2.5/24\n", "", 0),
    (["info", "lan"], {"op": "info", "name": "lan"},
     {"ok": True, "network": dict(NETS[1], name="lan", bridge="br0", bridge_state="missing")},
     "Name:           lan\nUUID:           11111111-2222-3333-4444-555555555555\n"
     "Active:         no\nPersistent:     yes\nAutostart:      no\nBridge:         br0\n"
     "Bridge state:   missing\n", "", 0),
]


class FakeDaemon:
    """Answers each connection with the reply set for the current case."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.reply = None
        self.requests = []
        self.stop = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            with conn:
                conn.settimeout(5)
                data = b""
                while True:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                req = json.loads(data)
                self.requests.append(req)
                # An update without --live/--config asks for info afterwards.
                reply = self.reply if len(self.requests) == 1 else {"ok": True,
                                                                     "network": NETS[0]}
                conn.sendall(json.dumps(reply).encode())

    def close(self):
        self.stop = True
        self.thread.join(5)
        self.sock.close()


def run(vnet, root, argv):
    env = dict(os.environ, TZ="UTC", LC_ALL="C")
    env.pop("VNET_ROOT", None)
    p = subprocess.run([vnet, "--root", root] + argv, capture_output=True, text=True,
                       timeout=30, env=env)
    return p.stdout, p.stderr, p.returncode


VIRSH_VERBS = {"autostart", "create", "define", "destroy", "dhcp-leases", "dumpxml", "edit",
               "info", "list", "name", "start", "undefine", "update", "uuid"}
USAGE_ERRORS = ("requires <", "requires --", "doesn't support", "unknown command",
                "unexpected data", "needs a value", "connection URI")


def blank_line(argv, want_err):
    """virsh ends every command it ran (even one that failed) with an empty
    line; not after a usage error, not with -q, not for --json."""
    rest = argv[2:] if argv[0] in ("-c", "--connect") else argv
    verb = [w for w in rest if not w.startswith("-")][0]
    verb = verb[4:] if verb.startswith("net-") else verb
    if verb not in VIRSH_VERBS or "--json" in argv or "-q" in argv:
        return ""
    if any(u in want_err for u in USAGE_ERRORS):
        return ""
    if verb == "update" and not want_err:
        return ""  # virsh's "Updated network ..." line gets its newline from the blank line
    return "\n"


def subst(v, xml_path):
    if isinstance(v, str):
        return v.replace("@NETXML", xml_path).replace("@BADXML", xml_path + ".bad")
    if isinstance(v, list):
        return [subst(x, xml_path) for x in v]
    if isinstance(v, dict):
        return {k: subst(x, xml_path) for k, x in v.items()}
    return v


def main():
    vnet = os.path.abspath(sys.argv[1])
    failures = 0
    with tempfile.TemporaryDirectory(prefix="vnet-cli-") as root:
        xml_path = os.path.join(root, "lab.xml")
        with open(xml_path, "w") as f:
            f.write("<network><name>lab</name></network>\n")
        with open(xml_path + ".bad", "w") as f:
            f.write("<network/>\n")

        # No daemon yet: the connection error, exit status 1.
        sock_path = os.path.join(root, "run", "vnet", "vnetd.sock")
        out, err, rc = run(vnet, root, ["list"])
        want = (f"error: failed to connect to the vnet daemon at {sock_path}: "
                "No such file or directory (is vnetd running?)\n")
        if (out, err, rc) != ("\n", want, 1):
            print(f"FAIL missing socket: rc={rc} out={out!r} err={err!r}")
            failures += 1

        os.makedirs(os.path.dirname(sock_path))
        daemon = FakeDaemon(sock_path)
        try:
            for argv, want_req, reply, want_out, want_err, want_rc in CASES:
                argv = subst(argv, xml_path)
                daemon.reply, daemon.requests = reply, []
                out, err, rc = run(vnet, root, argv)
                want_out, want_err = subst(want_out, xml_path), subst(want_err, xml_path)
                want_out += blank_line(argv, want_err)
                got_req = daemon.requests[0] if daemon.requests else None
                problems = []
                if got_req != subst(want_req, xml_path):
                    problems.append(f"request {got_req!r}, want {subst(want_req, xml_path)!r}")
                if out != want_out:
                    problems.append(f"stdout {out!r}, want {want_out!r}")
                if err != want_err:
                    problems.append(f"stderr {err!r}, want {want_err!r}")
                if rc != want_rc:
                    problems.append(f"exit {rc}, want {want_rc}")
                if problems:
                    failures += 1
                    print("FAIL vnet " + " ".join(argv) + "\n  " + "\n  ".join(problems))
        finally:
            daemon.close()
    print(f"cli-commands: {len(CASES) + 1} cases, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
