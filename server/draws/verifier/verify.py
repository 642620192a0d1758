#!/usr/bin/env python3
"""Check a published 双随机 draw (fieldinspect, contract v2 §11). Needs only Python 3.8+.

    python3 verify.py draw-7.json
    python3 verify.py https://example.gov.cn/public/draws/7.json
    curl -s https://example.gov.cn/public/draws/7.json | python3 verify.py -

It recomputes, from the published record alone:
  1. population_sha256: SHA-256 hex of one line "credit_code\\n" per population entry, in
     ascending order of credit code;
  2. seed: SHA-256 hex of population_sha256 + ":" + beacon;
  3. per county (the entry's 6-digit jurisdiction) with N entries: k = N when N < 5, otherwise
     max(5, ceil(percent * N / 100)) in integer arithmetic; the k entries with the smallest
     SHA-256 hex of seed + ":" + credit_code must be exactly the published selection;
  4. per selected entry: nobody both eligible and excluded, at least m eligible, and the
     inspectors are the m eligible with the smallest SHA-256 hex of
     seed + ":" + credit_code + ":" + username.
It prints what it checked and exits 0 when the published selection follows, 1 when it does not
(or the record cannot be read). Who was excluded and why (leave, training, 回避) is published
beside each selection; the facts behind an exclusion are not in the record and are not checked.
"""
import hashlib
import json
import sys
import urllib.request


def sha(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def k_for(n, percent):
    if n < 5:
        return n
    return max(5, (percent * n + 99) // 100)


def load(source):
    if source == "-":
        return json.load(sys.stdin)
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"Accept": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.load(response)
    with open(source, encoding="utf-8") as handle:
        return json.load(handle)


def verify(draw, out=print):
    """Returns a list of problems (empty when the selection follows)."""
    problems = []

    def check(ok, passed, failed):
        out(("  ok    " if ok else "  FAIL  ") + (passed if ok else failed))
        if not ok:
            problems.append(failed)
        return ok

    for key in ("population", "population_sha256", "beacon", "seed", "percent", "inspectors_per_inspection",
                "selected"):
        if key not in draw:
            check(False, "", "the record has no '%s'" % key)
            return problems
    if draw.get("status") != "drawn" or not draw["beacon"]:
        check(False, "", "the draw has not been executed (status %r)" % draw.get("status"))
        return problems
    population = draw["population"]
    percent = draw["percent"]
    m = draw["inspectors_per_inspection"]
    beacon = draw["beacon"]
    if not (isinstance(percent, int) and 1 <= percent <= 100 and isinstance(m, int) and m >= 1
            and isinstance(beacon, str)):
        check(False, "", "percent, inspectors_per_inspection or beacon malformed")
        return problems
    codes = [entry["credit_code"] for entry in population]
    check(len(set(codes)) == len(codes), "%d population entries, no credit code twice" % len(codes),
          "a credit code appears twice in the population")
    if "population_count" in draw:
        check(draw["population_count"] == len(codes), "population_count matches the list",
              "population_count %s but %d entries listed" % (draw["population_count"], len(codes)))
    digest = hashlib.sha256()
    for code in sorted(codes):
        digest.update((code + "\n").encode("utf-8"))
    population_hash = digest.hexdigest()
    check(population_hash == draw["population_sha256"], "population_sha256 = %s" % population_hash,
          "population_sha256: published %s, recomputed %s" % (draw["population_sha256"], population_hash))
    seed = sha(draw["population_sha256"] + ":" + beacon)
    check(seed == draw["seed"], "seed = sha256(population_sha256:beacon) = %s" % seed,
          "seed: published %s, recomputed %s" % (draw["seed"], seed))

    county_of = {entry["credit_code"]: entry["jurisdiction"] for entry in population}
    counties = {}
    for entry in population:
        counties.setdefault(entry["jurisdiction"], []).append(entry["credit_code"])
    published = {}
    for selection in draw["selected"]:
        code = selection["credit_code"]
        if code not in county_of:
            check(False, "", "selected %s is not in the population" % code)
            continue
        if selection.get("jurisdiction", county_of[code]) != county_of[code]:
            check(False, "", "selected %s: jurisdiction %s, population says %s"
                  % (code, selection.get("jurisdiction"), county_of[code]))
        published.setdefault(county_of[code], set()).add(code)
    if len({s["credit_code"] for s in draw["selected"]}) != len(draw["selected"]):
        check(False, "", "an enterprise is selected twice")
    for county in sorted(set(counties) | set(published)):
        entries = counties.get(county, [])
        k = k_for(len(entries), percent)
        expected = set(sorted(entries, key=lambda c: sha(seed + ":" + c))[:k])
        got = published.get(county, set())
        check(got == expected, "county %s: N = %d, k = %d, the %d smallest keys are the selection"
              % (county, len(entries), k, k),
              "county %s: N = %d, k = %d; selected but not drawn: %s; drawn but not selected: %s"
              % (county, len(entries), k, sorted(got - expected) or "-", sorted(expected - got) or "-"))

    if isinstance(draw.get("counties"), list):  # the published summary, if any, must agree too
        summary = {c["jurisdiction"]: (c["population"], c["selected"]) for c in draw["counties"]}
        recomputed = {county: (len(entries), k_for(len(entries), percent)) for county, entries in counties.items()}
        check(summary == recomputed, "the published per-county summary (N, k) agrees",
              "the published per-county summary %s differs from the recomputed %s" % (summary, recomputed))

    bad_inspectors = 0
    for selection in draw["selected"]:
        code = selection["credit_code"]
        eligible = list(selection.get("eligible", []))
        excluded = [x["username"] for x in selection.get("excluded", [])]
        ranked = sorted(eligible, key=lambda u: sha(seed + ":" + code + ":" + u))
        reasons = []
        if len(set(eligible)) != len(eligible):
            reasons.append("an eligible inspector listed twice")
        if set(eligible) & set(excluded):
            reasons.append("excluded yet eligible: %s" % sorted(set(eligible) & set(excluded)))
        if len(eligible) < m:
            reasons.append("%d eligible, fewer than m = %d" % (len(eligible), m))
        if list(selection.get("inspectors", [])) != ranked[:m]:
            reasons.append("inspectors %s, the rule gives %s" % (selection.get("inspectors"), ranked[:m]))
        if reasons:
            bad_inspectors += 1
            check(False, "", "%s: %s" % (code, "; ".join(reasons)))
    check(bad_inspectors == 0, "inspectors of all %d selections are the m = %d smallest keys among the eligible"
          % (len(draw["selected"]), m), "%d selections with wrong inspectors" % bad_inspectors)
    return problems


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 1
    try:
        draw = load(argv[1])
    except Exception as exc:  # unreadable: the selection cannot be shown to follow
        print("cannot read %s: %s" % (argv[1], exc))
        return 1
    print("draw %s (%s, %s, %s%%, m = %s), beacon %r"
          % (draw.get("id"), draw.get("jurisdiction"), draw.get("product_category"), draw.get("percent"),
             draw.get("inspectors_per_inspection"), draw.get("beacon")))
    try:
        problems = verify(draw)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        problems = ["malformed record: %r" % (exc,)]
        print("  FAIL  " + problems[0])
    if problems:
        print("RESULT: DOES NOT FOLLOW: %d problem(s); the published selection does not follow from the record"
              % len(problems))
        return 1
    print("RESULT: OK: the published selection follows from the published population, beacon and rules")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
