"""The device judges quick tests like the server: fieldapp/src/quicktest.js (run in node, fed with
GET /api/v1/quicktests/tables/) against checklists.engine.evaluate over thousands of generated inputs,
every method. Limits are judged on the full value (GB/T 8170-2008 全数值比较法): where the server
engine still rounds R20 before comparing (conductor-resistance), the device must give the exact
full-value verdict, computed here with fractions; test_boundary_cases_agree_with_the_server marks
that gap until the server engine compares full values too."""
from __future__ import annotations

import json
import random
import shutil
import subprocess
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from checklists import engine
from checklists.engine import InputError

from server.field.selectors import quicktest_catalogue
from tests.server.field.generators import GENERATORS

ROOT = Path(__file__).resolve().parents[3]
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is absent")
CASES_PER_METHOD = 1500


def device(cases: list[dict]) -> list[dict]:
    payload = json.dumps({"catalogue": quicktest_catalogue(), "cases": cases}, ensure_ascii=False)
    out = subprocess.run([NODE, str(ROOT / "fieldapp/tools/verdicts.mjs")], input=payload, capture_output=True,
                         text=True, timeout=120, check=True)
    return json.loads(out.stdout)


def server(case: dict) -> dict:
    try:
        judged = engine.evaluate(method=case["method"], inputs=case["inputs"])
    except InputError as exc:
        return {"error_field": exc.field}
    except ArithmeticError as exc:  # an engine that cannot judge an input (e.g. 1e308) is a bug: reported
        return {"server_crash": repr(exc)}
    return {"verdict": judged["verdict"], "field": judged["result"]["field"] if judged["verdict"] == "invalid" else None,
            "result": judged["result"], "limit": judged["limit"]}


def full_value_verdict(inputs: dict) -> str:
    """conductor-resistance judged on the exact R20 (no rounding before the comparison)."""
    tables = engine.method_tables("conductor-resistance")
    material = inputs["material"]
    rows = tables["classes"][inputs["conductor_class"]]["rows"]
    row = next(r for r in rows if r["material"] == material and bool(r["coated"]) == bool(inputs.get("coated"))
               and Decimal(r["size_mm2"]) == Decimal(str(inputs["cross_section_mm2"])))
    c = tables["temperature_correction"]["materials"][material]
    f = lambda v: Fraction(Decimal(str(v)))  # noqa: E731
    r20 = f(inputs["measured_ohm"]) / f(inputs["length_m"]) * 1000 * f(c["numerator"]) / (f(c["offset"]) + f(inputs["temperature_c"]))
    return "pass" if r20 <= f(row["max_ohm_per_km"]) else "fail"


def generated_cases(seed: int = 20191128) -> list[dict]:
    rng = random.Random(seed)
    return [{"method": method, "inputs": make(rng)} for method, make in GENERATORS.items() for _ in range(CASES_PER_METHOD)]


@pytest.fixture(scope="module")
def judged():
    cases = generated_cases()
    return cases, device(cases), [server(c) for c in cases]


def _same_numbers(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return all(_same_numbers(a[k], b.get(k)) for k in a if k in b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return a == b
    return True


def test_the_device_judges_every_generated_case_like_the_server(judged):
    cases, on_device, on_server = judged
    counts: dict[str, int] = {}
    boundary = 0
    server_crashes = []
    for case, d, s in zip(cases, on_device, on_server):
        assert "crash" not in d, (case, d)
        if "server_crash" in s:
            server_crashes.append(case)
            continue
        counts[s.get("verdict") or "input-error"] = counts.get(s.get("verdict") or "input-error", 0) + 1
        if "error_field" in s:
            assert d.get("error_field") == s["error_field"], (case, d, s)
            continue
        expected = s["verdict"]
        if case["method"] == "conductor-resistance" and expected in ("pass", "fail"):
            exact = full_value_verdict(case["inputs"])
            if exact != expected:  # the server rounded R20 before comparing
                boundary += 1
                expected = exact
        assert d.get("verdict") == expected, (case, d, s)
        assert d.get("field") == s["field"], (case, d, s)
        if case["method"] in ("insulation-thickness", "strand-count", "grinding-wheel-marking") and expected != "invalid":
            assert _same_numbers(s["result"], d["result"]) and _same_numbers(s["limit"], d["limit"]), (case, d, s)
    # the generator really exercises every outcome
    assert all(counts.get(k, 0) > 100 for k in ("pass", "fail", "invalid", "input-error")), counts
    print(f"\n{len(cases)} cases: {counts}; {boundary} conductor-resistance cases on the rounding boundary; "
          f"{len(server_crashes)} the server engine could not judge (ArithmeticError)")
    assert not server_crashes, server_crashes[:5]


BOUNDARY = [  # R20 just above the table value: fails on the full value, passes if rounded first
    {"material": "copper", "coated": False, "conductor_class": 2, "cross_section_mm2": 2.5, "length_m": 100,
     "measured_ohm": 0.7414, "temperature_c": 20},   # R20 = 7.414 > 7.41
    {"material": "copper", "coated": False, "conductor_class": 2, "cross_section_mm2": 1.5, "length_m": 10,
     "measured_ohm": 0.12149, "temperature_c": 20},  # R20 = 12.149 > 12.1
]


def test_boundary_cases_fail_on_the_device_by_full_value_comparison():
    results = device([{"method": "conductor-resistance", "inputs": i} for i in BOUNDARY])
    assert [r["verdict"] for r in results] == ["fail", "fail"]
    assert [full_value_verdict(i) for i in BOUNDARY] == ["fail", "fail"]


def test_boundary_cases_agree_with_the_server():
    results = device([{"method": "conductor-resistance", "inputs": i} for i in BOUNDARY])
    server_verdicts = [engine.evaluate(method="conductor-resistance", inputs=i)["verdict"] for i in BOUNDARY]
    assert server_verdicts == ["fail", "fail"]
    assert [r["verdict"] for r in results] == server_verdicts


def test_label_check_characters_match_media_labels():
    from media import labels

    rng = random.Random(7)
    codes = labels.make_label_codes(jurisdiction="445202", first_serial=1, count=300)
    codes += [labels.make_label_code(jurisdiction=j, serial=rng.randint(1, 999_999)) for j in ("445200", "445281", "445224") for _ in range(100)]
    wrong = []
    for code in codes[:200]:
        body, check = code[:-1], code[-1]
        wrong.append(body + ("0" if check != "0" else "1"))
        digits = code[3:9] + code[10:16]
        i = rng.randrange(11)
        if digits[i] != digits[i + 1]:
            swapped = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:]
            wrong.append(f"JY-{swapped[:6]}-{swapped[6:]}-{check}")
    odd = ["", "jy-445202-000123-1 ", " JY-445202-000000-0", "JY-045202-000123-1", "XX-445202-000123-1", "JY-445202-00012-1",
           "JY-445202-000123-x", "JY-４４５２０２-000123-1"]
    inputs = codes + wrong + odd
    out = subprocess.run([NODE, str(ROOT / "fieldapp/tools/labels-cli.mjs")], input=json.dumps(inputs), capture_output=True,
                         text=True, timeout=60, check=True)
    for code, got in zip(inputs, json.loads(out.stdout)):
        assert got["ok"] == labels.check_label_code(code), (code, got)
        if got["ok"]:
            assert got["code"] == labels.normalize_label_code(code)
