from __future__ import annotations

import pytest

from checklists import validate_answer_value

from .factories import item


@pytest.mark.parametrize(
    "kind_fields,good,bad",
    [
        ({"kind": "boolean"}, [True, False], [1, 0, "true", None]),
        ({"kind": "choice", "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}]},
         ["a", "b"], ["c", "", None, True, 1]),
        ({"kind": "number", "unit": "mm"}, [0, 1.5, -2], [True, "1", float("nan"), float("inf"), None]),
        ({"kind": "text"}, ["", "文字", "x" * 2000], ["x" * 2001, 1, None, ["a"]]),
    ],
)
def test_answer_values_by_kind(kind_fields, good, bad):
    the_item = item(**kind_fields)
    for value in good:
        assert validate_answer_value(item=the_item, value=value) is None, value
    for value in bad:
        message = validate_answer_value(item=the_item, value=value)
        assert message and "x-1" in message, value


def test_quicktest_items_are_not_answered():
    message = validate_answer_value(item=item(kind="quicktest", method="conductor-resistance"), value=7.4)
    assert message and "quicktest" in message
