#!/usr/bin/env python3
"""Extracts FHIR resources into rows for the raw-SQLite reference of bench/run-import.sh.

    extract_rows.py OUT PATH...

PATH is an NDJSON file (one resource per line) or a Bundle JSON file (every
entry.resource). OUT gets one line per resource: type 0x1F id 0x1F json, for sqlite3's
`.mode ascii` / `.separator "\\037" "\\n"` / `.import`. NDJSON lines are copied byte for
byte; Bundle entries are re-serialised compactly (the Bundle files are pretty-printed).
Prints the number of rows and body bytes.
"""
import json
import sys


def rows_of(path):
    with open(path, "rb") as f:
        if path.endswith(".ndjson"):
            for line in f:
                line = line.strip()
                if not line:
                    continue
                res = json.loads(line)
                if "resourceType" in res:
                    yield res["resourceType"], res.get("id", ""), line
            return
        doc = json.load(f)
    for entry in doc.get("entry", []):
        res = entry.get("resource")
        if res is None:
            continue
        rid = res.get("id") or entry.get("fullUrl", "").rsplit(":", 1)[-1]
        body = json.dumps(res, separators=(",", ":"), ensure_ascii=False).encode()
        yield res["resourceType"], rid, body


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: extract_rows.py OUT PATH...")
    n = size = 0
    with open(sys.argv[1], "wb") as out:
        for path in sys.argv[2:]:
            for rtype, rid, body in rows_of(path):
                if b"\x1f" in body or b"\n" in body:
                    sys.exit(f"{path}: a body contains a separator byte")
                out.write(rtype.encode() + b"\x1f" + rid.encode() + b"\x1f" + body + b"\n")
                n += 1
                size += len(body)
    print(f"{n} {size}")


if __name__ == "__main__":
    main()
