#!/usr/bin/python3
"""Workload 6: libvirt RPC round trips, measured in-process with python3-libvirt.

Usage: rpc_latency.py URI NETWORKS CALLS START_CYCLES PREFIX3
Defines NETWORKS isolated networks (no DHCP) named rpcbNNN, then times CALLS
calls of listAllNetworks, of networkLookupByName and of getLibVersion (a call
the daemon answers with a constant: the round trip's floor, client library and
socket), and START_CYCLES create()+destroy() of one network with an address
(192.168.PREFIX3.1/24): back to back ("start", "destroy"), then again with a
0.5 s pause before each create ("start-settled": the kernel has finished what
the previous destroy left it, e.g. a bridge deleted in the background).
Prints one line per metric: "METRIC median min max n unit" (microseconds for
the calls, milliseconds for start/destroy). Undefines what it defined.
"""
import statistics
import sys
import time

import libvirt


def timed(fn, n):
    out = []
    for i in range(n):
        t0 = time.perf_counter_ns()
        fn(i)
        out.append(time.perf_counter_ns() - t0)
    return out


def report(metric, samples, scale, unit):
    v = [s / scale for s in samples]
    print("%s %.1f %.1f %.1f %d %s" % (metric, statistics.median(v), min(v), max(v), len(v), unit),
          flush=True)


def main():
    uri, nnets, ncalls, ncycles, p3 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
        int(sys.argv[4]), sys.argv[5]
    libvirt.registerErrorHandler(lambda c, e: None, None)
    c = libvirt.open(uri)
    names = ["rpcb%03d" % i for i in range(nnets)]
    for i, n in enumerate(names):
        c.networkDefineXML("<network><name>%s</name><bridge name='rb%d'/></network>" % (n, i))
    report("list", timed(lambda i: c.listAllNetworks(0), ncalls), 1000, "us")
    report("lookup", timed(lambda i: c.networkLookupByName(names[i % nnets]), ncalls), 1000, "us")
    report("floor", timed(lambda i: c.getLibVersion(), ncalls), 1000, "us")
    s = c.networkDefineXML("<network><name>rpcbstart</name><bridge name='rbstart' stp='off'/>"
                           "<ip address='192.168.%s.1' prefix='24'/></network>" % p3)
    starts, stops = [], []
    for _ in range(ncycles):
        t0 = time.perf_counter_ns()
        s.create()
        t1 = time.perf_counter_ns()
        s.destroy()
        t2 = time.perf_counter_ns()
        starts.append(t1 - t0)
        stops.append(t2 - t1)
    report("start", starts, 1e6, "ms")
    report("destroy", stops, 1e6, "ms")
    settled = []
    for _ in range(ncycles):
        time.sleep(0.5)
        t0 = time.perf_counter_ns()
        s.create()
        settled.append(time.perf_counter_ns() - t0)
        s.destroy()
    report("start-settled", settled, 1e6, "ms")
    s.undefine()
    for n in names:
        c.networkLookupByName(n).undefine()
    c.close()


if __name__ == "__main__":
    main()
