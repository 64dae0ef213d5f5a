#!/usr/bin/env python3
"""Golden tests for `vnet validate` (works without the daemon).

Every X.xml in DATADIR is a case: `vnet validate [--format] X.xml` is run in
DATADIR (--format when the name starts with "fmt-"); stdout must equal X.out
and stderr X.err (a missing file means empty); the exit status must be 1 when
X.err is non-empty, else 0. Adding a case is adding a file pair. A few more
cases (several files at once, a file that does not exist, libvirt's own
nat-network.xml read in
place, with and without --format) are listed below.
Usage: cli_validate.py VNET DATADIR CONFORMANCE_DIR  (VNET_REGENERATE=1 rewrites the .out/.err files)
"""
import os
import subprocess
import sys


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def run(vnet, cwd, argv, stdin=""):
    env = dict(os.environ, LC_ALL="C")
    p = subprocess.run([vnet] + argv, cwd=cwd, capture_output=True, text=True, timeout=30,
                       env=env, input=stdin)
    return p.stdout, p.stderr, p.returncode


def main():
    vnet, datadir, confdir = sys.argv[1:4]
    vnet, confdir = os.path.abspath(vnet), os.path.abspath(confdir)
    # the one regenerate switch of every golden test (tests/unit/testfile.h)
    regenerate = os.environ.get("VNET_REGENERATE", "0") not in ("", "0")
    # (label, argv, expected stdout, expected stderr, rc, name for regeneration, stdin)
    cases = []
    for name in sorted(os.listdir(datadir)):
        if not name.endswith(".xml"):
            continue
        base = name[:-4]
        argv = ["validate"] + (["--format"] if base.startswith("fmt-") else []) + [name]
        err = read(os.path.join(datadir, base + ".err"))
        cases.append((base, argv, read(os.path.join(datadir, base + ".out")), err,
                      1 if err else 0, base, ""))
    multi_err = read(os.path.join(datadir, "bad-ip.err")) + \
        "error: cannot open missing.xml: No such file or directory\n"
    cases.append(("several files", ["validate", "valid.xml", "bad-ip.xml", "missing.xml"], "",
                  multi_err, 1, None, ""))
    cases.append(("stdin", ["validate", "-"], "",
                  "error: <stdin>:1: <network>: missing <name>\n", 1, None,
                  read(os.path.join(datadir, "bad-no-name.xml"))))
    cases.append(("no file", ["validate"], "",
                  "error: command 'validate' needs FILE...\n", 1, None, ""))
    nat = os.path.join(confdir, "networkxml2xmlin", "nat-network.xml")
    if os.path.exists(nat):
        cases.append(("libvirt nat-network.xml", ["validate", nat], "", "", 0, None, ""))
        # --format prints what libvirt's own formatter gives for it.
        cases.append(("libvirt nat-network.xml --format", ["validate", "--format", nat],
                      read(os.path.join(confdir, "networkxml2xmlout", "nat-network.xml")), "",
                      0, None, ""))
    else:
        print(f"note: {nat} not found; conformance case skipped")

    failures = 0
    for label, argv, want_out, want_err, want_rc, regen, stdin in cases:
        out, err, rc = run(vnet, datadir, argv, stdin)
        if regenerate and regen:
            for ext, text in ((".out", out), (".err", err)):
                path = os.path.join(datadir, regen + ext)
                if text:
                    with open(path, "w") as f:
                        f.write(text)
                elif os.path.exists(path):
                    os.unlink(path)
            continue
        problems = []
        if out != want_out:
            problems.append(f"stdout {out!r}\n    want {want_out!r}")
        if err != want_err:
            problems.append(f"stderr {err!r}\n    want {want_err!r}")
        if rc != want_rc:
            problems.append(f"exit {rc}, want {want_rc}")
        if problems:
            failures += 1
            print(f"FAIL {label}: vnet {' '.join(argv)}\n  " + "\n  ".join(problems))
    print(f"cli-validate: {len(cases)} cases, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
