#!/usr/bin/env python3
"""Joins the JSON lines of fhirpath_bench (carepath) and bench.mjs (fhirpath.js) by case and
prints the per-group and overall geometric-mean speedup (fhirpath.js time / carepath time),
measured in the same run on the same machine.
  compare.py CAREPATH.jsonl FHIRPATHJS.jsonl"""
import json
import math
import sys
from collections import defaultdict


memory = []  # (compiled_bytes, allocs_per_eval) of carepath's cases


def load(path):
    rows = {}
    for line in open(path):
        line = line.strip()
        if line.startswith("{"):
            r = json.loads(line)
            if "ns_per_eval" in r:
                rows[(r["group"], r["name"])] = r["ns_per_eval"]
                if "compiled_bytes" in r:
                    memory.append((r["compiled_bytes"], r["allocs_per_eval"]))
    return rows


ours, theirs = load(sys.argv[1]), load(sys.argv[2])
common = sorted(set(ours) & set(theirs))
if not common:
    sys.exit("no case timed by both engines")
by_group = defaultdict(list)
for key in common:
    by_group[key[0]].append(math.log(theirs[key] / ours[key]))
for group, logs in sorted(by_group.items()):
    print(f"{group:32s} {len(logs):4d} cases  {math.exp(sum(logs) / len(logs)):8.1f}x")
all_logs = [x for logs in by_group.values() for x in logs]
speedup = math.exp(sum(all_logs) / len(all_logs))
print(f"overall: {len(common)} cases, geometric-mean speedup {speedup:.1f}x over fhirpath.js")
if memory:
    sizes = sorted(m[0] for m in memory)
    allocs = sorted(m[1] for m in memory)
    print(f"memory per compiled expression: median {sizes[len(sizes) // 2]} B, "
          f"mean {sum(sizes) / len(sizes):.0f} B, max {sizes[-1]} B "
          f"({len(sizes)} expressions)")
    print(f"heap allocations per evaluation: median {allocs[len(allocs) // 2]}, "
          f"mean {sum(allocs) / len(allocs):.1f}, max {allocs[-1]}")
