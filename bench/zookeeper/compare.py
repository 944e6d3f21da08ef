#!/usr/bin/env python3
"""Both systems side by side with the ratio, from side-by-side.sh's output directory.

Usage: compare.py DIR     (DIR/figures.jsonl; DIR/failover-warden.jsonl and -zookeeper.jsonl if present)
Throughput rows: median ops/s over runs (and p99); latency rows (1x1): median p50.
The ratio is Warden's figure over ZooKeeper's for throughput, ZooKeeper's over Warden's for
latency and failover times, so above 1 always means Warden is ahead.
A second table gives every run, in order, and the CPU each operation cost (the ranges over the
runs): the three servers', the load generator's, and the whole machine's (its busy cores over
the window). At saturation throughput follows the machine's CPU per operation, which includes
the load generator's.
"""
import json, os, statistics, sys
from collections import OrderedDict

d = sys.argv[1]
runs = OrderedDict()
for line in open(os.path.join(d, "figures.jsonl")):
    if line.strip():
        r = json.loads(line)
        runs.setdefault(r["figure"], {}).setdefault(r["system"], []).append(r["result"])


def med(rs, k):
    v = [r[k] for r in rs if r.get(k) is not None]
    return statistics.median(v) if v else None


print("| figure | Warden | ZooKeeper | Warden ahead by |")
print("|---|---|---|---|")
for fig, by in runs.items():
    w, z = by.get("warden", []), by.get("zookeeper", [])
    errors = sum(r.get("errors", 0) for r in w + z)
    note = f" ({errors} errors)" if errors else ""
    if fig.endswith("-1x1"):
        wv, zv = med(w, "p50_ms"), med(z, "p50_ms")
        cell = lambda v: "-" if v is None else f"p50 {v:.2f} ms"
        ratio = "-" if not wv or not zv else f"{zv / wv:.2f}x"
    else:
        wv, zv = med(w, "ops_per_s"), med(z, "ops_per_s")
        cell = lambda v, rs=None: "-" if v is None else f"{v:,.0f} ops/s"
        ratio = "-" if not wv or not zv else f"{wv / zv:.2f}x"
        p99 = lambda rs: med(rs, "p99_ms")
        wc = "-" if wv is None else f"{wv:,.0f} ops/s (p99 {p99(w):.1f} ms)"
        zc = "-" if zv is None else f"{zv:,.0f} ops/s (p99 {p99(z):.1f} ms)"
        print(f"| {fig}{note} | {wc} | {zc} | {ratio} |")
        continue
    print(f"| {fig}{note} | {cell(wv)} | {cell(zv)} | {ratio} |")

summaries = {}
for sys_ in ("warden", "zookeeper"):
    f = os.path.join(d, f"failover-{sys_}.jsonl")
    if os.path.exists(f):
        for line in open(f):
            r = json.loads(line)
            if r.get("summary"):
                summaries[sys_] = r
if summaries:
    for k, label in (("leader_ms", "failover: new leader"), ("fresh_write_ms", "failover: first write of a new session")):
        wv = summaries.get("warden", {}).get(k, {}).get("median")
        zv = summaries.get("zookeeper", {}).get(k, {}).get("median")
        ratio = "-" if not wv or not zv else f"{zv / wv:.2f}x"
        fmt = lambda v: "-" if v is None else f"{v:.0f} ms (median)"
        print(f"| {label} | {fmt(wv)} | {fmt(zv)} | {ratio} |")


def per_op(r, key):
    ops = r.get("ops_per_s", 0) * r.get("window_s", 0)
    v = r.get(key)
    if not ops or v is None:
        return None
    if key == "box_busy_cores":
        v *= r["window_s"]
    return 1e6 * v / ops


def span(rs, key):
    v = [x for x in (per_op(r, key) for r in rs) if x is not None]
    return "-" if not v else f"{min(v):,.0f}-{max(v):,.0f} µs"


print()
print("| figure | system | runs, in order | servers' CPU per op | load generator's | whole machine's |")
print("|---|---|---|---|---|---|")
for fig, by in runs.items():
    for sys_ in ("warden", "zookeeper"):
        rs = by.get(sys_, [])
        if not rs:
            continue
        if fig.endswith("-1x1"):
            each = ", ".join(f"p50 {r['p50_ms']:.2f} ms" for r in rs)
        else:
            each = ", ".join(f"{r['ops_per_s']:,.0f}" for r in rs)
        cpu = [span(rs, k) for k in ("server_cpu_s", "client_cpu_s", "box_busy_cores")]
        print(f"| {fig} | {sys_} | {each} | {' | '.join(cpu)} |")
