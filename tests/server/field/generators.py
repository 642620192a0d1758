"""Random quick-test inputs for comparing the device's judgement (fieldapp/src/quicktest.js) with the
server's (checklists.engine): mostly plausible field readings around the table limits, some out of
range, some malformed (wrong types, missing or unknown inputs)."""
from __future__ import annotations

import random

from checklists import engine

JUNK = [None, "x", True, [], {}, -1, 0, 1e308, "１２", 3.5]


def _num(rng: random.Random, low: float, high: float, places: int) -> float:
    return round(rng.uniform(low, high), places)


def _maybe_break(rng: random.Random, inputs: dict, names: list[str]) -> dict:
    roll = rng.random()
    if roll < 0.06:
        inputs[rng.choice(names)] = rng.choice(JUNK)
    elif roll < 0.09:
        inputs.pop(rng.choice(names), None)
    elif roll < 0.10:
        inputs["unknown_input"] = 1
    return inputs


def conductor_resistance(rng):
    tables = engine.method_tables("conductor-resistance")
    cls = rng.choice([1, 2, 2, 2, 5, 6, 3])
    rows = tables["classes"].get(cls, {}).get("rows") or tables["classes"][2]["rows"]
    row = rng.choice(rows)
    limit = float(row["max_ohm_per_km"])
    length = rng.choice([1, 10, 100, 100, 50.5, rng.randint(1, 500)])
    temperature = _num(rng, -25, 105, rng.choice([0, 1, 1, 2]))
    k = (254.5 if row["material"] == "copper" else 248) / ((234.5 if row["material"] == "copper" else 228) + temperature)
    r_t = limit / k * rng.uniform(0.9, 1.1) * length / 1000
    inputs = {"material": row["material"], "coated": bool(row["coated"]) if rng.random() < 0.95 else not row["coated"],
              "conductor_class": cls, "cross_section_mm2": float(row["size_mm2"]) if rng.random() < 0.95 else 3.3,
              "length_m": length, "measured_ohm": round(r_t, rng.choice([3, 4, 5, 6])), "temperature_c": temperature}
    if row["material"] == "aluminium" and rng.random() < 0.5:
        inputs.pop("coated")
    return _maybe_break(rng, inputs, list(inputs))


def insulation_thickness(rng):
    nominal = rng.choice([0.6, 0.7, 0.8, 1.0, 1.2, 0.1, 0.05])
    n = rng.choice([6, 12, 18, 1, 3])
    values = [round(rng.uniform(nominal * 0.8, nominal * 1.15), rng.choice([2, 2, 3])) for _ in range(n)]
    return _maybe_break(rng, {"nominal_mm": nominal, "measurements": values}, ["nominal_mm", "measurements"])


def strand_count(rng):
    rows = engine.method_tables("strand-count")["wire_count"]["rows"]
    row = rng.choice(rows)
    compacted = rng.random() < 0.3
    minimum = row["min_wires_compacted" if compacted else "min_wires_circular"] or 7
    inputs = {"material": rng.choice(["copper"] * 9 + ["aluminium"]), "cross_section_mm2": float(row["size_mm2"]),
              "compacted": compacted, "wire_count": max(0, minimum + rng.randint(-3, 3))}
    return _maybe_break(rng, inputs, list(inputs))


def food_paper_fluorescence(rng):
    inputs = {"positive_254nm": rng.random() < 0.3, "positive_365nm": rng.random() < 0.3}
    return _maybe_break(rng, inputs, list(inputs))


def ex_marking(rng):
    prot = rng.choice(["d", "e", "de", "ia", "d e", "ib", "xx", "", "nA", "px"])
    group = rng.choice(["IIA", "IIB", "IIC", "II B", "Ⅱ C", "I", "IIIC", "II"])
    t = rng.choice(["T1", "T3", "T4", "T6", "T135°C", "", "T7", "T 4"])
    epl = rng.choice(["Gb", "Ga", "Gc", "", "Db", "Gd"])
    marking = " ".join(p for p in ["Ex", prot, group, t, epl] if p)
    if rng.random() < 0.1:
        marking = rng.choice(["", "   ", "EEx d IIB", "Exd IIB T4", "ex d IIB T4 Gb", "Ex（d）IIB T4"])
    inputs = {"marking": marking}
    if rng.random() < 0.5:
        inputs["required_group"] = rng.choice(["IIA", "IIB", "IIC"])
    if rng.random() < 0.5:
        inputs["required_t_class"] = rng.choice(["T1", "T2", "T3", "T4", "T5", "T6"])
    return _maybe_break(rng, inputs, list(inputs))


def grinding_wheel_marking(rng):
    speed = rng.choice([50, 60, 80, 100, 125, 63, 35, 50.0, 72])
    stripes = rng.choice([[], ["blue"], ["yellow"], ["red"], ["green"], ["blue", "yellow"], ["yellow", "blue"], ["red", "red"], ["purple"]])
    inputs = {"max_speed_ms": speed, "stripes": stripes}
    if rng.random() < 0.6:
        diameter = rng.choice([100, 125, 150, 180, 230, 350, 400])
        exact = speed * 60000 / (3.141592653589793 * diameter)
        inputs["diameter_mm"] = diameter
        inputs["rpm"] = round(exact * rng.uniform(0.95, 1.04))
    elif rng.random() < 0.1:
        inputs["rpm"] = 1000
    return _maybe_break(rng, inputs, list(inputs))


def un_packaging_mark(rng):
    code = rng.choice(["1A1", "1A2", "3H1", "4G", "4GV", "5M2", "1Q1", "8A1", "1A"])
    letter = rng.choice("XYZ")
    liquid = rng.random() < 0.5
    value = rng.choice(["1.2", "1.5", "1.8", "25", "30", "2"]) if liquid else rng.choice(["25", "40", "100"])
    third = rng.choice(["250", "100", "200", "300"]) if liquid else "S"
    mark = f"UN {code}/{letter}{value}/{third}/{rng.choice(['19', '2019', '9', '22'])}/{rng.choice(['CN', 'cn', 'CHN', 'D'])}/{rng.choice(['ABC', ''])}"
    if rng.random() < 0.08:
        mark = rng.choice(["", "1A1/X1.5/250/19/CN/x", "UN 1A1/X1.5", "u n 4G/Y25/S/24/CN/xx", "UN 4G/Y 25/S/24/CN/xx"])
    inputs = {"mark": mark, "packing_group": rng.choice(["I", "II", "III"])}
    if rng.random() < 0.6:
        inputs["drop_height_m"] = rng.choice([0.8, 1.2, 1.8, 1.7, 2.0, 2.3, 2.7, 1.0])
    if rng.random() < 0.4:
        inputs["relative_density"] = rng.choice([1.0, 1.2, 1.21, 1.35, 1.8, 1.84])
    if rng.random() < 0.4:
        inputs["leakproof_kpa"] = rng.choice([20, 30, 25, 19.5])
    if rng.random() < 0.3:
        inputs["leakproof_minutes"] = rng.choice([5, 4, 10])
    return _maybe_break(rng, inputs, list(inputs))


GENERATORS = {
    "conductor-resistance": conductor_resistance,
    "insulation-thickness": insulation_thickness,
    "strand-count": strand_count,
    "food-paper-fluorescence": food_paper_fluorescence,
    "ex-marking": ex_marking,
    "grinding-wheel-marking": grinding_wheel_marking,
    "un-packaging-mark": un_packaging_mark,
}
