"""Full-value comparison (GB/T 8170-2008 §4.3 全数值比较法) at every limit of every quick-test method:
for a maximum the limit itself passes and the smallest excess fails; for a minimum the limit passes
and the smallest shortfall fails. "Smallest" is the next double (math.nextafter), the smallest
difference a JSON number can carry. conductor-resistance has its per-row boundary tests in
test_conductor_resistance.py."""

from __future__ import annotations

import ast
import math
from fractions import Fraction
from pathlib import Path

import pytest

from checklists import engine
from checklists.engine.compare import PI, at_least, at_most, exact

UP, DOWN = math.inf, -math.inf


def ev(method, **inputs):
    return engine.evaluate(method=method, inputs=inputs)


# ---- the comparison itself -------------------------------------------------

def test_exact_takes_numbers_as_written():
    assert exact(0.1) == Fraction(1, 10)
    assert exact("12.1") == Fraction(121, 10)
    assert exact(0.9) * exact(0.8) - exact(0.1) == Fraction(62, 100)  # 0.6200000000000001 in doubles
    assert at_most(12.1, "12.1") and not at_most(math.nextafter(12.1, UP), "12.1")
    assert at_least(0.62, "0.62") and not at_least(math.nextafter(0.62, DOWN), "0.62")


# ---- insulation-thickness (a minimum on the thinnest point; the mean per IEC 60227-2 §1.9) --------

def test_insulation_thinnest_point_limit_passes_and_the_smallest_shortfall_fails():
    # nominal 0.8 → 0.9 × 0.8 − 0.1 = 0.62 exactly (not 0.6200000000000001)
    at_limit = ev("insulation-thickness", nominal_mm=0.8, measurements=[0.9, 0.9, 0.62, 0.9])
    assert at_limit["verdict"] == "pass" and at_limit["result"]["min_ok"] is True
    assert at_limit["limit"]["min_mm"] == 0.62
    short = ev("insulation-thickness", nominal_mm=0.8, measurements=[0.9, 0.9, math.nextafter(0.62, DOWN), 0.9])
    assert short["verdict"] == "fail" and short["result"]["min_ok"] is False and short["result"]["mean_ok"] is True


@pytest.mark.parametrize("nominal", [0.5, 0.6, 0.7, 0.8, 1.0, 1.2, 1.4, 1.6, 2.0])
def test_insulation_minimum_limit_for_several_nominals(nominal):
    limit = Fraction(9, 10) * exact(nominal) - Fraction(1, 10)
    limit_float = float(limit)
    assert exact(limit_float) == limit  # the limits are short decimals
    ok = ev("insulation-thickness", nominal_mm=nominal, measurements=[nominal + 0.3, limit_float])
    assert ok["result"]["min_ok"] is True
    bad = ev("insulation-thickness", nominal_mm=nominal, measurements=[nominal + 0.3, math.nextafter(limit_float, DOWN)])
    assert bad["result"]["min_ok"] is False and bad["verdict"] == "fail"


def test_insulation_mean_is_rounded_only_as_the_standard_says():
    # IEC 60227-2 §1.9: the mean to two decimals, then half-up to one: 0.745 → 0.75 → 0.8 (passes 0.8);
    # the largest mean below 0.745 → 0.74 → 0.7 fails. The rounded mean is compared exactly.
    assert ev("insulation-thickness", nominal_mm=0.8, measurements=[0.745, 0.745])["verdict"] == "pass"
    below = math.nextafter(0.745, DOWN)
    result = ev("insulation-thickness", nominal_mm=0.8, measurements=[below, below])
    assert result["verdict"] == "fail" and result["result"]["mean_mm"] == 0.7 and result["result"]["mean_ok"] is False
    # the mean at the nominal passes; a rounded mean one step under fails
    assert ev("insulation-thickness", nominal_mm=0.8, measurements=[0.8, 0.8])["result"]["mean_ok"] is True
    assert ev("insulation-thickness", nominal_mm=0.8, measurements=[0.7, 0.7])["result"]["mean_ok"] is False
    # the half-way case is recognised exactly: mean of 0.74 and 0.75 is 0.745 (not 0.74499…)
    assert ev("insulation-thickness", nominal_mm=0.8, measurements=[0.74, 0.75])["result"]["mean_mm"] == 0.8


# ---- strand-count (a minimum count) -------------------------------------------

@pytest.mark.parametrize("size,compacted", [(1.5, False), (2.5, False), (50, False), (50, True), (95, True), (240, False)])
def test_strand_count_minimum_passes_and_one_fewer_fails(size, compacted):
    probe = ev("strand-count", material="copper", cross_section_mm2=size, compacted=compacted, wire_count=1000)
    minimum = probe["limit"]
    if probe["verdict"] == "invalid":
        pytest.skip(f"{size} mm² compacted={compacted} not in the table")
    assert ev("strand-count", material="copper", cross_section_mm2=size, compacted=compacted,
              wire_count=minimum)["verdict"] == "pass"
    assert ev("strand-count", material="copper", cross_section_mm2=size, compacted=compacted,
              wire_count=minimum - 1)["verdict"] == "fail"


# ---- grinding-wheel-marking (a maximum: the speed at the marked rpm ≤ marked speed + 1 %) ------

def _rpm_at(speed, diameter):
    """The rpm at which π·d·n/60000 equals speed × 1.01 (irrational: never hit exactly)."""
    return float(exact(speed) * Fraction(101, 100) * 60000 / (PI * exact(diameter)))


@pytest.mark.parametrize("speed,stripes,diameter", [(80, ["red"], 100), (50, ["blue"], 230), (100, ["green"], 125),
                                                    (35, [], 400)])
def test_wheel_rpm_limit_is_judged_on_the_full_speed(speed, stripes, diameter):
    n = _rpm_at(speed, diameter)
    below, above = math.floor(n * 1e6) / 1e6, math.ceil(n * 1e6) / 1e6  # a millionth of a r/min either side
    ok = ev("grinding-wheel-marking", max_speed_ms=speed, stripes=stripes, diameter_mm=diameter, rpm=below)
    assert ok["verdict"] == "pass" and ok["result"]["problems"] == []
    bad = ev("grinding-wheel-marking", max_speed_ms=speed, stripes=stripes, diameter_mm=diameter, rpm=above)
    assert bad["verdict"] == "fail" and "超过最高工作速度" in bad["result"]["problems"][0]
    assert bad["limit"]["max_speed_at_rpm_ms"] == float(exact(speed) * Fraction(101, 100))


def test_wheel_speed_is_not_rounded_before_the_comparison():
    # 100 mm at 15434 r/min is 80.8122… m/s > 80.8: rounding to 0.01 m/s used to give 80.81, also a fail;
    # 15433 r/min is 80.80696… m/s: rounded to 0.01 it was 80.81 (fail), on the full value also > 80.8.
    # The case rounding hid: 80.8049 m/s rounded to 80.80 ≤ 80.8 passed; on the full value it fails.
    rpm = float(Fraction(808049, 10000) * 60000 / (PI * 100))
    result = ev("grinding-wheel-marking", max_speed_ms=80, stripes=["red"], diameter_mm=100, rpm=rpm)
    assert result["verdict"] == "fail"
    assert math.isclose(result["result"]["speed_at_rpm_ms"], 80.8049, rel_tol=1e-12)


# ---- un-packaging-mark (minimum levels; the density rounding is the standard's) ---------------

@pytest.mark.parametrize("letter,required", [("X", 1.8), ("Y", 1.2), ("Z", 0.8)])
def test_un_drop_height_minimum(letter, required):
    mark = f"UN 4G/{letter}25/S/24/CN/AA1234"
    assert ev("un-packaging-mark", mark=mark, packing_group="III", drop_height_m=required)["verdict"] == "pass"
    low = ev("un-packaging-mark", mark=mark, packing_group="III", drop_height_m=math.nextafter(required, DOWN))
    assert low["verdict"] == "fail"


@pytest.mark.parametrize("group,letter,factor", [("I", "X", "1.5"), ("II", "Y", "1.0"), ("III", "Z", "0.67")])
def test_un_dense_liquid_drop_height_minimum(group, letter, factor):
    # d = 1.25 → rounded UP to 1.3 (ADR 6.1.5.3.5, the standard's own rounding) × factor, exactly
    required = float(Fraction(13, 10) * exact(factor))
    mark = f"UN 3H1/{letter}1.3/250/20/CN/ABC"
    result = ev("un-packaging-mark", mark=mark, packing_group=group, drop_height_m=required, relative_density=1.25)
    assert result["verdict"] == "pass", result["result"]["problems"]
    assert result["limit"]["drop_height_m"] == required
    low = ev("un-packaging-mark", mark=mark, packing_group=group, drop_height_m=math.nextafter(required, DOWN),
             relative_density=1.25)
    assert low["verdict"] == "fail"


def test_un_density_threshold_is_exact():
    # d = 1.2 is not > 1.2: the plain 1.2 m (PG II); the next double above 1.2 triggers d → 1.3 × 1.0
    mark = "UN 3H1/Y1.3/150/20/CN/ABC"
    assert ev("un-packaging-mark", mark=mark, packing_group="II", drop_height_m=1.2,
              relative_density=1.2)["limit"]["drop_height_m"] == 1.2
    assert ev("un-packaging-mark", mark=mark, packing_group="II", drop_height_m=1.2,
              relative_density=math.nextafter(1.2, UP))["limit"]["drop_height_m"] == 1.3


@pytest.mark.parametrize("letter,required", [("X", 30), ("Y", 20), ("Z", 20)])
def test_un_leakproof_pressure_and_time_minimums(letter, required):
    mark = f"UN 1A1/{letter}1.2/250/19/CN/M1"
    assert ev("un-packaging-mark", mark=mark, packing_group="III", leakproof_kpa=required,
              leakproof_minutes=5)["verdict"] == "pass"
    assert ev("un-packaging-mark", mark=mark, packing_group="III",
              leakproof_kpa=math.nextafter(required, DOWN))["verdict"] == "fail"
    assert ev("un-packaging-mark", mark=mark, packing_group="III", leakproof_kpa=required,
              leakproof_minutes=math.nextafter(5, DOWN))["verdict"] == "fail"


def test_un_hydraulic_minimum_from_the_mark():
    # marks carry whole kPa (rounded down to 10 kPa by the maker): 250 passes PG I, 249 fails
    assert ev("un-packaging-mark", mark="UN 1A1/X1.2/250/19/CN/M1", packing_group="I")["verdict"] == "pass"
    assert ev("un-packaging-mark", mark="UN 1A1/X1.2/249/19/CN/M1", packing_group="I")["verdict"] == "fail"


# ---- ex-marking (ordinal limits: the required group/T-class itself passes, one step lower fails) --

@pytest.mark.parametrize("required,ok_marking,bad_marking", [
    ({"required_group": "IIB"}, "Ex d IIB T4 Gb", "Ex d IIA T4 Gb"),
    ({"required_group": "IIC"}, "Ex d IIC T4 Gb", "Ex d IIB T4 Gb"),
    ({"required_t_class": "T4"}, "Ex d IIB T4 Gb", "Ex d IIB T3 Gb"),
    ({"required_t_class": "T6"}, "Ex d IIB T6 Gb", "Ex d IIB T5 Gb"),
])
def test_ex_marking_required_level_passes_and_one_step_lower_fails(required, ok_marking, bad_marking):
    assert ev("ex-marking", marking=ok_marking, **required)["verdict"] == "pass"
    assert ev("ex-marking", marking=bad_marking, **required)["verdict"] == "fail"


# ---- food-paper-fluorescence (qualitative: negative passes, any positive fails) -------------

def test_fluorescence_has_no_numeric_limit():
    assert ev("food-paper-fluorescence", positive_254nm=False, positive_365nm=False)["verdict"] == "pass"
    assert ev("food-paper-fluorescence", positive_254nm=True, positive_365nm=False)["verdict"] == "fail"


# ---- no rounding hides in the engine ---------------------------------------------------------

# Every rounding call in checklists/engine, where it is and why it is allowed. A new one fails this
# test until it is added here with its reason (and the README's list).
ALLOWED_ROUNDING = {
    ("insulation_thickness.py", "_round_half_up"): "IEC 60227-2 §1.9 prescribes the mean's rounding",
    ("un_packaging_mark.py", "_ceil_1"): "ADR 6.1.5.3.5: relative density rounded up to the first decimal",
    ("conductor_resistance.py", "evaluate"): "k_t shown to 4 decimals in the basis text (display only)",
    ("compare.py", "display"): "display text only",
}
_ROUNDING_NAMES = {"round", "quantize", "floor", "ceil", "trunc", "to_integral_value", "to_integral", "toFixed"}


def test_every_rounding_in_the_engine_is_declared():
    engine_dir = Path(engine.__file__).resolve().parent
    found = set()
    for path in sorted(engine_dir.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.Call):
                    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                    if name in _ROUNDING_NAMES:
                        found.add((path.name, func.name))
                if isinstance(node, ast.Name) and node.id.startswith("ROUND_"):
                    found.add((path.name, func.name))
    undeclared = found - set(ALLOWED_ROUNDING)
    assert not undeclared, f"rounding not declared (full-value comparison, GB/T 8170-2008 §4.3): {sorted(undeclared)}"
