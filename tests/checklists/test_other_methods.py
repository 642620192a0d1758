"""insulation-thickness, strand-count, ex-marking, grinding-wheel-marking, un-packaging-mark,
food-paper-fluorescence, and the method descriptions."""

from __future__ import annotations

import pytest

from checklists import engine
from checklists.engine import InputError


def ev(method, **inputs):
    return engine.evaluate(method=method, inputs=inputs)


def field_of(method, **inputs):
    with pytest.raises(InputError) as caught:
        ev(method, **inputs)
    return caught.value.field


# ---- insulation-thickness -------------------------------------------------

def test_insulation_worked_example_limits():
    result = ev("insulation-thickness", nominal_mm=0.8, measurements=[0.80, 0.85, 0.62, 0.90, 0.80, 0.83])
    assert result["verdict"] == "pass"
    assert result["limit"] == {"mean_mm": 0.8, "min_mm": 0.62}
    assert result["result"]["min_mm"] == 0.62 and result["result"]["count"] == 6


def test_insulation_minimum_just_below_limit_fails():
    result = ev("insulation-thickness", nominal_mm=0.8, measurements=[0.9, 0.9, 0.61, 0.9, 0.9, 0.9])
    assert result["verdict"] == "fail"
    assert result["result"]["min_ok"] is False and result["result"]["mean_ok"] is True


def test_insulation_mean_is_rounded_half_up_to_one_decimal():
    # mean 0.75 → 0.8 ≥ 0.8 passes; mean 0.74 → 0.7 < 0.8 fails
    assert ev("insulation-thickness", nominal_mm=0.8, measurements=[0.75, 0.75])["result"]["mean_mm"] == 0.8
    assert ev("insulation-thickness", nominal_mm=0.8, measurements=[0.75, 0.75])["verdict"] == "pass"
    low = ev("insulation-thickness", nominal_mm=0.8, measurements=[0.74, 0.74])
    assert low["verdict"] == "fail" and low["result"]["mean_mm"] == 0.7


def test_insulation_invalid_and_malformed():
    assert ev("insulation-thickness", nominal_mm=0, measurements=[0.8])["result"]["field"] == "inputs.nominal_mm"
    assert ev("insulation-thickness", nominal_mm=0.8, measurements=[0.8, -0.1])["result"]["field"] == "inputs.measurements[1]"
    assert field_of("insulation-thickness", nominal_mm=0.8, measurements=[]) == "inputs.measurements"
    assert field_of("insulation-thickness", nominal_mm=0.8, measurements=0.8) == "inputs.measurements"
    assert field_of("insulation-thickness", nominal_mm=0.8, measurements=[0.8, "0.7"]) == "inputs.measurements[1]"
    assert field_of("insulation-thickness", measurements=[0.8]) == "inputs.nominal_mm"


# ---- strand-count ---------------------------------------------------------

def test_strand_count_limits():
    assert ev("strand-count", material="copper", cross_section_mm2=50, compacted=False, wire_count=19)["verdict"] == "pass"
    result = ev("strand-count", material="copper", cross_section_mm2=50, compacted=False, wire_count=18)
    assert result["verdict"] == "fail" and result["limit"] == 19
    assert ev("strand-count", material="copper", cross_section_mm2=95, compacted=True, wire_count=15)["verdict"] == "pass"


def test_strand_count_invalid():
    assert ev("strand-count", material="copper", cross_section_mm2=2.5, compacted=True, wire_count=7)["verdict"] == "invalid"
    assert ev("strand-count", material="aluminium", cross_section_mm2=50, compacted=False, wire_count=19)["verdict"] == "invalid"
    assert ev("strand-count", material="copper", cross_section_mm2=3, compacted=False, wire_count=7)["verdict"] == "invalid"
    assert field_of("strand-count", material="copper", cross_section_mm2=50, compacted=False, wire_count=19.0) == "inputs.wire_count"


# ---- ex-marking -----------------------------------------------------------

@pytest.mark.parametrize(
    "marking,group,t_class,epl,protection",
    [
        ("Ex d IIB T4 Gb", "IIB", "T4", "Gb", ["d"]),
        ("Ex ib IIC T4 Gb", "IIC", "T4", "Gb", ["ib"]),
        ("Ex de IIC T6 Gb", "IIC", "T6", "Gb", ["d", "e"]),
        ("Ex db eb IIA T3 Gb", "IIA", "T3", "Gb", ["db", "eb"]),
        ("Ex d ⅡB T4 Gb", "IIB", "T4", "Gb", ["d"]),
        ("ExdIIBT4Gb", "IIB", "T4", "Gb", ["d"]),
    ],
)
def test_ex_marking_is_parsed(marking, group, t_class, epl, protection):
    result = ev("ex-marking", marking=marking)
    assert result["verdict"] == "pass", result
    parsed = result["result"]["parsed"]
    assert (parsed["group"], parsed["t_class"], parsed["epl"], parsed["protection"]) == (group, t_class, epl, protection)


def test_ex_marking_max_surface_temperature():
    assert ev("ex-marking", marking="Ex d IIC T6 Gb")["result"]["parsed"]["max_surface_c"] == 85
    assert ev("ex-marking", marking="Ex d IIB T1 Gb")["result"]["parsed"]["max_surface_c"] == 450


def test_ex_marking_suitability_against_the_place_of_use():
    assert ev("ex-marking", marking="Ex d IIC T4 Gb", required_group="IIB", required_t_class="T4")["verdict"] == "pass"
    lower_group = ev("ex-marking", marking="Ex d IIB T4 Gb", required_group="IIC")
    assert lower_group["verdict"] == "fail" and "IIC" in lower_group["result"]["problems"][0]
    hotter = ev("ex-marking", marking="Ex d IIC T3 Gb", required_t_class="T4")
    assert hotter["verdict"] == "fail"
    assert hotter["limit"] == {"required_group": None, "required_t_class": "T4"}


def test_ex_marking_problems_fail():
    assert ev("ex-marking", marking="")["verdict"] == "fail"
    assert ev("ex-marking", marking="IIB T4")["verdict"] == "fail"
    assert ev("ex-marking", marking="Ex d IIB Gb")["verdict"] == "fail"  # no T-class
    assert ev("ex-marking", marking="Ex d II T4 Gb")["verdict"] == "fail"  # no gas subgroup
    assert ev("ex-marking", marking="Ex d IIB T4 Da")["verdict"] == "fail"  # dust EPL on gas equipment
    assert ev("ex-marking", marking="Ex zz IIB T4 Gb")["verdict"] == "fail"
    assert ev("ex-marking", marking="Ex d IIB T135°C Gb", required_t_class="T4")["verdict"] == "fail"


def test_ex_marking_without_epl_passes_with_a_note():
    result = ev("ex-marking", marking="Ex d IIB T4")
    assert result["verdict"] == "pass" and result["result"]["notes"]


def test_ex_marking_mining_and_dust_are_not_judged():
    assert ev("ex-marking", marking="Ex d I Mb")["verdict"] == "invalid"
    assert ev("ex-marking", marking="Ex tb IIIC T135°C Db")["verdict"] == "invalid"


def test_ex_marking_malformed():
    assert field_of("ex-marking") == "inputs.marking"
    assert field_of("ex-marking", marking=42) == "inputs.marking"
    assert field_of("ex-marking", marking="Ex d IIB T4 Gb", required_group="IID") == "inputs.required_group"
    assert field_of("ex-marking", marking="Ex d IIB T4 Gb", required_t_class="T7") == "inputs.required_t_class"


# ---- grinding-wheel-marking -------------------------------------------------

@pytest.mark.parametrize("speed,stripes", [(50, ["blue"]), (60, ["yellow"]), (80, ["red"]), (100, ["green"]),
                                           (125, ["blue", "yellow"]), (125, ["yellow", "blue"])])
def test_wheel_stripe_matches_speed(speed, stripes):
    assert ev("grinding-wheel-marking", max_speed_ms=speed, stripes=stripes)["verdict"] == "pass"


def test_wheel_stripe_mismatch_fails():
    assert ev("grinding-wheel-marking", max_speed_ms=80, stripes=["green"])["verdict"] == "fail"
    assert ev("grinding-wheel-marking", max_speed_ms=80, stripes=[])["verdict"] == "fail"
    result = ev("grinding-wheel-marking", max_speed_ms=70, stripes=["red"])
    assert result["verdict"] == "fail" and "80" in result["result"]["problems"][0]


def test_wheel_speed_outside_table_without_stripe_is_invalid():
    assert ev("grinding-wheel-marking", max_speed_ms=35, stripes=[])["verdict"] == "invalid"


def test_wheel_rpm_consistency():
    # 100 mm wheel at 80 m/s: n = 80 × 60000 / (π × 100) ≈ 15279 r/min
    assert ev("grinding-wheel-marking", max_speed_ms=80, stripes=["red"], diameter_mm=100, rpm=15200)["verdict"] == "pass"
    too_fast = ev("grinding-wheel-marking", max_speed_ms=80, stripes=["red"], diameter_mm=100, rpm=16000)
    assert too_fast["verdict"] == "fail" and too_fast["result"]["speed_at_rpm_ms"] > 80
    # rpm checked even when the speed has no encoded stripe
    assert ev("grinding-wheel-marking", max_speed_ms=35, stripes=[], diameter_mm=100, rpm=6600)["verdict"] == "pass"


def test_wheel_malformed_and_invalid():
    assert field_of("grinding-wheel-marking", max_speed_ms=80, stripes=["purple"]) == "inputs.stripes[0]"
    assert field_of("grinding-wheel-marking", max_speed_ms=80, stripes="red") == "inputs.stripes"
    assert field_of("grinding-wheel-marking", max_speed_ms=80, stripes=["red"], rpm=1000) == "inputs.diameter_mm"
    assert ev("grinding-wheel-marking", max_speed_ms=0, stripes=[])["verdict"] == "invalid"


# ---- un-packaging-mark ------------------------------------------------------

def test_un_liquid_mark_is_parsed():
    result = ev("un-packaging-mark", mark="UN 1A1/X1.5/250/19/CN/LM0000", packing_group="I")
    assert result["verdict"] == "pass"
    parsed = result["result"]["parsed"]
    assert parsed["kind"] == "liquid" and parsed["performance_letter"] == "X" and parsed["hydraulic_kpa"] == 250
    assert parsed["relative_density"] == 1.5 and parsed["country"] == "CN"


def test_un_solid_mark_is_parsed():
    parsed = ev("un-packaging-mark", mark="UN 4G/Y25/S/24/CN/AA1234", packing_group="II")["result"]["parsed"]
    assert parsed["kind"] == "solid" and parsed["gross_mass_kg"] == 25


@pytest.mark.parametrize("letter,group,ok", [("X", "I", True), ("X", "III", True), ("Y", "I", False), ("Y", "II", True),
                                             ("Z", "II", False), ("Z", "III", True)])
def test_un_performance_letter_covers_packing_group(letter, group, ok):
    result = ev("un-packaging-mark", mark=f"UN 4G/{letter}25/S/24/CN/AA1234", packing_group=group)
    assert (result["verdict"] == "pass") is ok


@pytest.mark.parametrize("letter,required", [("X", 1.8), ("Y", 1.2), ("Z", 0.8)])
def test_un_drop_height_levels(letter, required):
    mark = f"UN 4G/{letter}25/S/24/CN/AA1234"
    assert ev("un-packaging-mark", mark=mark, packing_group="III", drop_height_m=required)["verdict"] == "pass"
    low = ev("un-packaging-mark", mark=mark, packing_group="III", drop_height_m=round(required - 0.01, 2))
    assert low["verdict"] == "fail" and low["limit"]["drop_height_m"] == required


def test_un_drop_height_for_dense_liquid_tested_with_water():
    # d = 1.45 → rounded up to 1.5; PG II factor 1.0 → 1.5 m
    mark = "UN 3H1/Y1.5/150/20/CN/ABC"
    result = ev("un-packaging-mark", mark=mark, packing_group="II", drop_height_m=1.4, relative_density=1.45)
    assert result["verdict"] == "fail" and result["limit"]["drop_height_m"] == 1.5


@pytest.mark.parametrize("letter,required", [("X", 30), ("Y", 20), ("Z", 20)])
def test_un_leakproofness_levels(letter, required):
    mark = f"UN 1A1/{letter}1.2/250/19/CN/M1"
    assert ev("un-packaging-mark", mark=mark, packing_group="III", leakproof_kpa=required, leakproof_minutes=5)["verdict"] == "pass"
    assert ev("un-packaging-mark", mark=mark, packing_group="III", leakproof_kpa=required - 1)["verdict"] == "fail"
    assert ev("un-packaging-mark", mark=mark, packing_group="III", leakproof_kpa=required, leakproof_minutes=4)["verdict"] == "fail"


def test_un_pg1_hydraulic_pressure_at_least_250():
    assert ev("un-packaging-mark", mark="UN 1A1/X1.2/240/19/CN/M1", packing_group="I")["verdict"] == "fail"


def test_un_bad_marks_fail():
    for mark in ("", "1A1/X1.2/250/19/CN/M1", "UN 9Q/X1.2/250/19/CN/M1", "UN 1A1/Q1.2/250/19/CN/M1", "UN 1A1/X1.2"):
        assert ev("un-packaging-mark", mark=mark, packing_group="I")["verdict"] == "fail", mark


def test_un_invalid_and_malformed():
    assert ev("un-packaging-mark", mark="UN 4G/Y25/S/24/CN/A", packing_group="II", leakproof_kpa=20)["verdict"] == "invalid"
    assert ev("un-packaging-mark", mark="UN 4G/Y25/S/24/CN/A", packing_group="II", drop_height_m=-1)["verdict"] == "invalid"
    assert field_of("un-packaging-mark", mark="UN 4G/Y25/S/24/CN/A", packing_group="IV") == "inputs.packing_group"
    assert field_of("un-packaging-mark", mark="UN 4G/Y25/S/24/CN/A") == "inputs.packing_group"
    assert field_of("un-packaging-mark", packing_group="II") == "inputs.mark"


# ---- food-paper-fluorescence -----------------------------------------------

@pytest.mark.parametrize("p254,p365,verdict", [(False, False, "pass"), (True, False, "fail"), (False, True, "fail")])
def test_fluorescence(p254, p365, verdict):
    assert ev("food-paper-fluorescence", positive_254nm=p254, positive_365nm=p365)["verdict"] == verdict


def test_fluorescence_malformed():
    assert field_of("food-paper-fluorescence", positive_254nm="no", positive_365nm=False) == "inputs.positive_254nm"


# ---- descriptions -----------------------------------------------------------

def test_methods_describe_inputs_and_tables():
    described = engine.methods()
    assert set(described) == set(engine.method_names())
    for name, description in described.items():
        assert description["title"] and description["inputs"] and "tables" in description, name
    assert described["conductor-resistance"]["inputs"]["cross_section_mm2"]["unit"] == "mm²"
    for name in described:
        assert isinstance(engine.method_tables(name), dict)


def test_inputs_beyond_physical_range_are_invalid_not_errors():
    """1e308 Ω over 1e-300 m has an R20 no double can hold, and a relative density of 1e308 is no
    liquid: both are `invalid` naming the input (contract §5), never an exception (a 500)."""
    from checklists import engine

    huge = engine.evaluate(method="conductor-resistance", inputs={
        "material": "copper", "coated": False, "conductor_class": 2, "cross_section_mm2": 1.5,
        "length_m": 1e-300, "measured_ohm": 1e308, "temperature_c": 20})
    assert (huge["verdict"], huge["result"]["field"]) == ("invalid", "inputs.measured_ohm")
    dense = engine.evaluate(method="un-packaging-mark", inputs={
        "mark": "UN 1A1/Y1.2/150/19/CN/ABC", "packing_group": "II", "relative_density": 1e308})
    assert (dense["verdict"], dense["result"]["field"]) == ("invalid", "inputs.relative_density")
