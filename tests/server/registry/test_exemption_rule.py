"""The penalty-exemption rule of plan 三(三)2 (server/registry/exemption.py)."""
import datetime as dt

import pytest

from server.registry.exemption import Facts, decide

D = dt.date


@pytest.mark.parametrize("facts, exemption, rule", [
    # reported before any inspection found it, no harm: exempt
    (Facts(D(2019, 7, 1), None, False, D(2019, 7, 5), None), "eligible", "own-act-first"),
    # stopped selling before the inspection, reported after it: the stop counts
    (Facts(D(2019, 7, 9), D(2019, 7, 2), False, D(2019, 7, 5), None), "eligible", "own-act-first"),
    # nobody found it yet: exempt
    (Facts(D(2019, 7, 1), None, False, None, None), "eligible", "own-act-first"),
    # harm caused: never exempt
    (Facts(D(2019, 7, 1), D(2019, 6, 1), True, None, None), "not-eligible", "harm"),
    # reported only after the inspection found it
    (Facts(D(2019, 7, 6), None, False, D(2019, 7, 5), None), "not-eligible", "after-inspection"),
    # on the inspection's own day: cannot be shown to precede it
    (Facts(D(2019, 7, 5), None, False, D(2019, 7, 5), None), "not-eligible", "after-inspection"),
    # after a complaint naming it
    (Facts(D(2019, 7, 3), None, False, None, D(2019, 7, 2)), "not-eligible", "after-complaint"),
    # before the complaint and no inspection: exempt
    (Facts(D(2019, 7, 1), None, False, None, D(2019, 7, 2)), "eligible", "own-act-first"),
])
def test_rule_cases(facts, exemption, rule):
    decision = decide(facts)
    assert (decision.exemption, decision.rule) == (exemption, rule)
    assert decision.reason and "三(三)2" in decision.reason or decision.rule != "own-act-first"
