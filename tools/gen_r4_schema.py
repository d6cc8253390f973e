#!/usr/bin/env python3
"""Generates src/fhir/r4_schema_data.cc: the FHIR R4 (4.0.1) definitions as static tables.

Usage (from the repository root):
    python3 tools/gen_r4_schema.py [R4_CORE_DIR] [-o src/fhir/r4_schema_data.cc]

R4_CORE_DIR defaults to ../shared/data/fhir/r4-core (relative to the repository root) and
must hold structure-definitions.json, search-parameters.json and valuesets.json (FHIR
Bundles of the package hl7.fhir.r4.core 4.0.1). Python 3 standard library only. The output
is deterministic: the same input always gives the same bytes.

What it produces (the contract is src/fhir/schema.h, the table layout src/fhir/r4_schema_data.h):
  * one TypeInfo per primitive type, complex type, resource type and backbone element
    (named by its path, "Patient.contact"), sorted by name for binary search;
  * their elements taken from the snapshot (so inherited id/meta/extension/... appear in
    every type), "[x]" stripped with is_choice set, contentReference resolved to the
    backbone type it names; primitive types list only id and extension (their value is
    checked by code); a resource's own `id` has type "id" (the snapshot says System.String);
  * every ValueSet bound with strength "required", expanded from the CodeSystems in
    valuesets.json (include by whole system incl. nested concepts, or by concept list;
    exclude); value sets that need a code system we do not have are marked incomplete;
  * all SearchParameters, and per resource type the list of those that apply to it
    (including Resource/DomainResource ones; the spec's "example" parameters excluded).
"""

import argparse
import json
import os
import sys

SYSTEM_TYPES = {
    "http://hl7.org/fhirpath/System.String": "string",
    "http://hl7.org/fhirpath/System.Boolean": "boolean",
    "http://hl7.org/fhirpath/System.Date": "date",
    "http://hl7.org/fhirpath/System.DateTime": "dateTime",
    "http://hl7.org/fhirpath/System.Decimal": "decimal",
    "http://hl7.org/fhirpath/System.Integer": "integer",
    "http://hl7.org/fhirpath/System.Time": "time",
}
FHIR_TYPE_EXT = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"
SD_PREFIX = "http://hl7.org/fhir/StructureDefinition/"
SP_TYPES = {
    "number": "kNumber", "date": "kDate", "string": "kString", "token": "kToken",
    "reference": "kReference", "composite": "kComposite", "quantity": "kQuantity",
    "uri": "kUri", "special": "kSpecial",
}
KIND = {"primitive-type": "kPrimitive", "complex-type": "kComplex", "resource": "kResource"}


def load_bundle(directory, name):
    with open(os.path.join(directory, name), encoding="utf-8") as f:
        return [e["resource"] for e in json.load(f)["entry"]]


def cxx_str(s):
    """A C++ string_view literal."""
    out = []
    for ch in s:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif o < 0x20 or o == 0x7F:
            out.append("\\%03o" % o)
        elif o < 0x80:
            out.append(ch)
        else:
            # UTF-8 bytes as octal escapes keep the source ASCII.
            out.extend("\\%03o" % b for b in ch.encode("utf-8"))
    text = "".join(out)
    # A '?' pair could form a trigraph in old modes; C++17 removed them, but be safe.
    text = text.replace("??", "?\\?")
    return '"%s"sv' % text


class Pool:
    """Deduplicated runs of string_views in one array: a run is (offset, length)."""

    def __init__(self, name):
        self.name = name
        self.items = []
        self.runs = {}

    def run(self, strings):
        strings = tuple(strings)
        if not strings:
            return None
        if strings not in self.runs:
            self.runs[strings] = len(self.items)
            self.items.extend(strings)
        return self.runs[strings]

    def span(self, strings):
        off = self.run(strings)
        if off is None:
            return "{}"
        return "{%s + %d, %d}" % (self.name, off, len(strings))

    def emit(self, out, comment):
        out.append("// %s" % comment)
        out.append("constexpr std::string_view %s[] = {" % self.name)
        line = " "
        for s in self.items or [""]:
            lit = cxx_str(s) + ","
            if len(line) + 1 + len(lit) > 99:
                out.append(line)
                line = " "
            line += " " + lit
        out.append(line)
        out.append("};")
        out.append("")


# ---------------------------------------------------------------- value sets

def expand_value_sets(resources):
    value_sets = {r["url"]: r for r in resources if r["resourceType"] == "ValueSet"}
    code_systems = {r["url"]: r for r in resources if r["resourceType"] == "CodeSystem"}

    def all_codes(concepts, acc):
        for c in concepts:
            acc.append(c["code"])
            all_codes(c.get("concept", []), acc)
        return acc

    def part(inc):
        """Codes of one include/exclude, or None when not expandable locally."""
        if "valueSet" in inc or "filter" in inc:
            return None
        system = inc.get("system")
        if "concept" in inc:
            return [c["code"] for c in inc["concept"]]
        cs = code_systems.get(system)
        if cs is None or cs.get("content") not in ("complete", None):
            return None
        return all_codes(cs.get("concept", []), [])

    expanded = {}
    for url, vs in value_sets.items():
        complete = True
        codes = set()
        systems = set()
        compose = vs.get("compose")
        if compose:
            for inc in compose.get("include", []):
                got = part(inc)
                if got is None:
                    complete = False
                else:
                    codes.update(got)
                if inc.get("system"):
                    systems.add(inc["system"])
            for exc in compose.get("exclude", []):
                got = part(exc)
                if got is not None:
                    codes.difference_update(got)
        elif "expansion" in vs:
            for c in vs["expansion"].get("contains", []):
                if "code" in c:
                    codes.add(c["code"])
                    if c.get("system"):
                        systems.add(c["system"])
        else:
            complete = False
        expanded[url] = (sorted(codes), sorted(systems), complete)
    return expanded


# ---------------------------------------------------------------- structures

def element_type_codes(sd, el):
    codes = []
    for t in el.get("type", []):
        code = t["code"]
        if code.startswith("http://hl7.org/fhirpath/"):
            fhir_type = None
            for ext in t.get("extension", []):
                if ext.get("url") == FHIR_TYPE_EXT:
                    fhir_type = ext.get("valueUrl") or ext.get("valueUri")
            code = fhir_type or SYSTEM_TYPES.get(code, "string")
        if code not in codes:
            codes.append(code)
    return codes


def build_types(sds, binding_urls):
    types = {}  # name -> dict(kind, base, abstract, elements=[...])
    for sd in sds:
        name = sd["type"]
        base = sd.get("baseDefinition", "")
        base = base[len(SD_PREFIX):] if base.startswith(SD_PREFIX) else base
        els = sd["snapshot"]["element"]
        paths = {el["path"] for el in els}
        has_kids = {p for p in paths if any(q.startswith(p + ".") for q in paths)}

        owners = {name: {"kind": KIND[sd["kind"]], "base": base,
                         "abstract": bool(sd.get("abstract")), "elements": []}}
        for el in els:
            path = el["path"]
            if path == name:
                continue
            parent, _, last = path.rpartition(".")
            if parent not in owners:
                raise SystemExit("no owner for %s" % path)
            is_choice = last.endswith("[x]")
            elem_name = last[:-3] if is_choice else last
            if "contentReference" in el:
                ref = el["contentReference"].lstrip("#")
                if ref not in has_kids:
                    raise SystemExit("contentReference %s of %s is not a backbone" % (ref, path))
                type_codes = [ref]
            elif path in has_kids:
                type_codes = [path]
                codes = element_type_codes(sd, el)
                owners[path] = {"kind": "kBackbone",
                                "base": codes[0] if codes else "BackboneElement",
                                "abstract": False, "elements": []}
            else:
                type_codes = element_type_codes(sd, el)
            if sd["kind"] == "primitive-type" and elem_name == "value":
                continue  # the primitive's own value: checked by code
            if sd["kind"] == "resource" and path == name + ".id":
                type_codes = ["id"]
            binding = None
            b = el.get("binding")
            if b and b.get("strength") == "required" and b.get("valueSet"):
                binding = b["valueSet"].split("|")[0]
                binding_urls.add(binding)
            mx = el.get("max", "*")
            owners[parent]["elements"].append({
                "name": elem_name, "choice": is_choice, "min": int(el.get("min", 0)),
                "max": "kUnbounded" if mx == "*" else str(int(mx)),
                "types": type_codes, "binding": binding,
                "summary": bool(el.get("isSummary", False)),
            })
        for k, v in owners.items():
            if k in types:
                raise SystemExit("duplicate type %s" % k)
            types[k] = v
    return types


# ---------------------------------------------------------------- search parameters

def build_search_params(sps, types):
    def ancestors(t):
        chain = []
        while t:
            chain.append(t)
            t = types[t]["base"] if t in types else ""
        return chain

    params = []
    for sp in sps:
        params.append({
            "code": sp["code"], "url": sp["url"], "type": SP_TYPES[sp["type"]],
            "expression": sp.get("expression", ""), "base": sp.get("base", []),
            "target": sp.get("target", []),
            "components": [c["definition"] for c in sp.get("component", [])],
            "example": sp["id"].startswith("example"),
        })
    by_type = {}
    resource_types = sorted(n for n, t in types.items() if t["kind"] == "kResource")
    for rt in resource_types:
        chain = set(ancestors(rt))
        chosen = {}
        for i, p in enumerate(params):
            if p["example"] or not chain.intersection(p["base"]):
                continue
            if p["code"] in chosen:
                raise SystemExit("duplicate search parameter %s on %s" % (p["code"], rt))
            chosen[p["code"]] = i
        by_type[rt] = [chosen[c] for c in sorted(chosen)]
    return params, by_type


# ---------------------------------------------------------------- output

def generate(core_dir):
    sds = load_bundle(core_dir, "structure-definitions.json")
    sps = load_bundle(core_dir, "search-parameters.json")
    vss = load_bundle(core_dir, "valuesets.json")

    binding_urls = set()
    types = build_types(sds, binding_urls)
    expanded = expand_value_sets(vss)
    params, by_type = build_search_params(sps, types)

    type_pool = Pool("kTypeNames")
    code_pool = Pool("kCodes")
    sp_pool = Pool("kSpStrings")

    vs_urls = sorted(binding_urls)
    vs_index = {u: i for i, u in enumerate(vs_urls)}
    vs_rows = []
    incomplete = []
    for u in vs_urls:
        codes, systems, complete = expanded.get(u, ([], [], False))
        if not complete:
            incomplete.append(u)
        vs_rows.append("    {%s, %s, %s, %s}," % (
            cxx_str(u), code_pool.span(codes), code_pool.span(systems),
            "true" if complete else "false"))

    names = sorted(types)
    elem_rows = []
    type_rows = []
    for n in names:
        t = types[n]
        start = len(elem_rows)
        for e in t["elements"]:
            vs = "&kValueSets[%d]" % vs_index[e["binding"]] if e["binding"] else "nullptr"
            elem_rows.append("    {%s, %s, %d, %s, %s, %s, %s}," % (
                cxx_str(e["name"]), "true" if e["choice"] else "false", e["min"], e["max"],
                type_pool.span(e["types"]), vs, "true" if e["summary"] else "false"))
        count = len(elem_rows) - start
        elems = "{kElements + %d, %d}" % (start, count) if count else "{}"
        type_rows.append("    {%s, TypeKind::%s, %s, %s, %s}," % (
            cxx_str(n), t["kind"], cxx_str(t["base"]), "true" if t["abstract"] else "false",
            elems))

    sp_rows = []
    for p in params:
        sp_rows.append("    {%s, %s, SearchParamType::%s,\n     %s,\n     %s, %s, %s}," % (
            cxx_str(p["code"]), cxx_str(p["url"]), p["type"], cxx_str(p["expression"]),
            sp_pool.span(p["base"]), sp_pool.span(p["target"]), sp_pool.span(p["components"])))

    ref_rows = []
    by_type_rows = []
    for rt in sorted(by_type):
        idx = by_type[rt]
        by_type_rows.append("    {%s, {kSearchParamRefs + %d, %d}}," % (
            cxx_str(rt), len(ref_rows), len(idx)))
        ref_rows.extend("&kSearchParams[%d]" % i for i in idx)

    out = []
    out.append("// GENERATED FILE - DO NOT EDIT. Generated by tools/gen_r4_schema.py from the FHIR R4")
    out.append("// (4.0.1) core package (structure-definitions.json, search-parameters.json,")
    out.append("// valuesets.json). Regenerate from the repository root with:")
    out.append("//   python3 tools/gen_r4_schema.py ../shared/data/fhir/r4-core -o src/fhir/r4_schema_data.cc")
    out.append("//")
    out.append("// %d types, %d elements, %d search parameters, %d required value sets;" % (
        len(type_rows), len(elem_rows), len(sp_rows), len(vs_rows)))
    out.append("// incomplete (code systems not available locally, codes not checked):")
    out.extend("//   %s" % u for u in incomplete)
    out.append("#include \"fhir/r4_schema_data.h\"")
    out.append("")
    out.append("namespace carepath::fhir::internal {")
    out.append("namespace {")
    out.append("")
    out.append("using namespace std::string_view_literals;")
    out.append("")
    type_pool.emit(out, "Element type lists (deduplicated runs).")
    code_pool.emit(out, "Value set codes and systems (sorted runs, deduplicated).")
    out.append("constexpr ValueSetInfo kValueSets[] = {")
    out.extend(vs_rows)
    out.append("};")
    out.append("")
    out.append("constexpr ElementInfo kElements[] = {")
    out.extend(elem_rows)
    out.append("};")
    out.append("")
    out.append("constexpr TypeInfo kTypes[] = {")
    out.extend(type_rows)
    out.append("};")
    out.append("")
    sp_pool.emit(out, "Search parameter bases, targets and components (deduplicated runs).")
    out.append("constexpr SearchParamInfo kSearchParams[] = {")
    out.extend(sp_rows)
    out.append("};")
    out.append("")
    out.append("constexpr const SearchParamInfo* kSearchParamRefs[] = {")
    line = " "
    for r in ref_rows:
        if len(line) + len(r) + 2 > 99:
            out.append(line)
            line = " "
        line += " " + r + ","
    out.append(line)
    out.append("};")
    out.append("")
    out.append("constexpr TypeSearchParams kSearchParamsByType[] = {")
    out.extend(by_type_rows)
    out.append("};")
    out.append("")
    out.append("}  // namespace")
    out.append("")
    out.append("std::span<const TypeInfo> Types() { return kTypes; }")
    out.append("std::span<const ValueSetInfo> ValueSets() { return kValueSets; }")
    out.append("std::span<const SearchParamInfo> SearchParams() { return kSearchParams; }")
    out.append("std::span<const TypeSearchParams> SearchParamsByType() { return kSearchParamsByType; }")
    out.append("")
    out.append("}  // namespace carepath::fhir::internal")
    return "\n".join(out) + "\n"


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("core_dir", nargs="?",
                    default=os.path.join(root, "..", "shared", "data", "fhir", "r4-core"))
    ap.add_argument("-o", "--output",
                    default=os.path.join(root, "src", "fhir", "r4_schema_data.cc"))
    args = ap.parse_args()
    text = generate(args.core_dir)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)


if __name__ == "__main__":
    main()
