"""The draw's rules, in one place, each with the reason it exists (contract v2 §11; plan 三(四)1).

Everything a member of the public needs to repeat a draw is here and in RULES.md beside this file;
the standalone verifier (server/draws/verifier/verify.py, served at /public/draws/verify.py) implements the
same arithmetic again without importing this module. Plain Python: no Django, no database.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

# --- arithmetic (§11, normative) -------------------------------------------------------------------

# Below this many entries a county is inspected in full (plan: 获证企业少于5家的，要组织全覆盖检查).
FULL_COVERAGE_BELOW = 5
# Above it, at least this many and at least `percent` of the county (plan: 5家以上的，应适当增加检查数量).
MINIMUM_ABOVE = 5


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def population_sha256(credit_codes: Iterable[str]) -> str:
    """SHA-256 hex of one line `credit_code\\n` per entry, in ascending order of credit code.
    Frozen and published at announcement, before the beacon exists: the population cannot be
    tailored to the beacon afterwards."""
    digest = hashlib.sha256()
    for code in sorted(credit_codes):
        digest.update(code.encode("utf-8") + b"\n")
    return digest.hexdigest()


def seed_of(*, population_hash: str, beacon: str) -> str:
    """seed = SHA-256 hex of `population_sha256 + ":" + beacon`: binds the draw to both the frozen
    population and a public value nobody knew at announcement."""
    return sha256_hex(f"{population_hash}:{beacon}")


def k_for(*, n: int, percent: int) -> int:
    """How many of a county's N entries are drawn: all of them when N < 5 (full coverage);
    otherwise max(5, ceil(percent × N / 100)), in integer arithmetic (no floating point, so every
    implementation agrees)."""
    if n < FULL_COVERAGE_BELOW:
        return n
    return max(MINIMUM_ABOVE, (percent * n + 99) // 100)


def entry_key(*, seed: str, credit_code: str) -> str:
    return sha256_hex(f"{seed}:{credit_code}")


def inspector_key(*, seed: str, credit_code: str, username: str) -> str:
    return sha256_hex(f"{seed}:{credit_code}:{username}")


def select_in_county(*, seed: str, credit_codes: Iterable[str], percent: int) -> list[str]:
    """The k entries with the smallest SHA-256 hex of `seed:credit_code`, smallest first."""
    keyed = sorted((entry_key(seed=seed, credit_code=code), code) for code in credit_codes)
    return [code for _, code in keyed[:k_for(n=len(keyed), percent=percent)]]


def rank_inspectors(*, seed: str, credit_code: str, usernames: Iterable[str]) -> list[str]:
    """Eligible inspectors in ascending order of SHA-256 hex of `seed:credit_code:username`; the
    first m are assigned."""
    prefix = hashlib.sha256(f"{seed}:{credit_code}:".encode("utf-8"))  # = inspector_key, prefix hashed once
    keyed = []
    for username in usernames:
        digest = prefix.copy()
        digest.update(username.encode("utf-8"))
        keyed.append((digest.hexdigest(), username))
    return [u for _, u in sorted(keyed)]


# --- the inspector roster: who may be drawn for an enterprise (执法检查人员名录库) -----------------
#
# Candidates: active accounts with role `inspector` whose jurisdiction covers the enterprise's
# (contract §3: the same test an inspection's inspectors must pass). From the candidates the
# exclusion rules below remove some, in this order; an inspector removed by an earlier rule is
# listed once, with that rule's reason. What is left is the eligible list, ranked as above.

REASON_UNAVAILABLE = "unavailable"  # + ":" + the period's kind, e.g. "unavailable:leave"
REASON_AVOIDANCE = "avoidance"      # 回避


@dataclass(frozen=True)
class Eligibility:
    eligible: list[str]                                        # ranked, smallest key first
    excluded: list[dict] = field(default_factory=list)         # [{"username", "reason"}]
    avoidance_waived: bool = False


def eligibility(
    *,
    seed: str,
    credit_code: str,
    candidates: Iterable[str],
    unavailable: dict[str, str],
    previous_inspectors: Iterable[str],
    m: int,
) -> Eligibility:
    """Apply the exclusion rules for one selected enterprise.

    Rule 1, unavailable (`unavailable:<kind>`): an inspector with an unavailability period (leave,
    training, other) that includes the draw's `scheduled_for` is removed. Reason: they cannot do
    the visit on that day.

    Rule 2, 回避 (`avoidance`): an inspector who was assigned to this enterprise in its previous
    draw of the same product category (the latest earlier executed draw of that category that
    selected this enterprise) is removed, provided that at least m inspectors remain after
    removing all of them ("enough others"). If fewer than m would remain, rule 2 is waived for
    this enterprise as a whole (nobody is removed by it, `avoidance_waived` is true). Reason: the
    same people should not check the same operator twice running, but an inspection must not
    fail for want of inspectors when the roster is small.

    Ties cannot occur (usernames are unique, so keys differ). The caller refuses the draw when
    fewer than m are eligible after both rules (contract §11: 400, nothing created).
    """
    names = sorted(set(candidates))
    excluded: list[dict] = []
    left: list[str] = []
    for name in names:
        kind = unavailable.get(name)
        if kind is not None:
            excluded.append({"username": name, "reason": f"{REASON_UNAVAILABLE}:{kind}"})
        else:
            left.append(name)
    previous = set(previous_inspectors)
    avoided = [name for name in left if name in previous]
    waived = False
    if avoided:
        if len(left) - len(avoided) >= m:
            excluded.extend({"username": name, "reason": REASON_AVOIDANCE} for name in avoided)
            left = [name for name in left if name not in previous]
        else:
            waived = True
    return Eligibility(
        eligible=rank_inspectors(seed=seed, credit_code=credit_code, usernames=left),
        excluded=excluded,
        avoidance_waived=waived,
    )
