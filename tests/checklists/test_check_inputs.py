"""engine.check_inputs (what the gateway runs on every pushed quick test) refuses exactly what
engine.evaluate refuses, with the same field and message, and accepts everything else: checked on
generated inputs for every method, well-formed and not."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checklists import engine
from checklists.engine import InputError

VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10, max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["copper", "aluminium", "Ex d IIB T4 Gb", "IIB", "T4", "I", "II", "III", "red", "blue",
                     "4G/Y25/S/19/CN/xxxx", "1A1/Y1.4/150/19/CN/xxxx"]),
    st.lists(st.one_of(st.floats(min_value=-1, max_value=5), st.sampled_from(["red", "blue", "yellow", "green"])),
             max_size=4),
)


def _outcome(fn, method, inputs):
    try:
        fn(method=method, inputs=inputs)
    except InputError as exc:
        return (exc.field, exc.message)
    return None


@pytest.mark.parametrize("method", engine.method_names())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_check_inputs_refuses_what_evaluate_refuses(method, data):
    names = list(engine.methods()[method]["inputs"])
    keys = st.sampled_from(names + ["unknown_key"])
    inputs = data.draw(st.dictionaries(keys, VALUES, max_size=len(names) + 1))
    if data.draw(st.booleans()):  # most draws: every input present, so the later checks are reached
        for name in names:
            inputs.setdefault(name, data.draw(VALUES))
    expected = _outcome(engine.evaluate, method, inputs)
    assert _outcome(engine.check_inputs, method, inputs) == expected


def test_a_well_formed_quick_test_passes_the_check_whatever_its_verdict():
    inputs = {"material": "copper", "coated": False, "conductor_class": 1, "cross_section_mm2": 2.5,
              "length_m": 10, "measured_ohm": 0.09, "temperature_c": 20}
    assert engine.evaluate(method="conductor-resistance", inputs=inputs)["verdict"] == "fail"
    engine.check_inputs(method="conductor-resistance", inputs=inputs)
    with pytest.raises(InputError) as caught:
        engine.check_inputs(method="conductor-resistance", inputs={**inputs, "length_m": "10"})
    assert caught.value.field == "inputs.length_m"
