import itertools
import string

import pytest

from media.labels import (
    check_label_code,
    make_label_code,
    make_label_codes,
    mod11_2_check,
    normalize_label_code,
    parse_label_code,
)

ALPHABET = string.digits + string.ascii_uppercase + "-"
SAMPLE = [
    make_label_code(jurisdiction=j, serial=s)
    for j, s in itertools.product(["445200", "445202", "445281", "110105"], [1, 123, 99_999, 500_001, 999_999])
]


def test_format_and_round_trip():
    code = make_label_code(jurisdiction="445202", serial=123)
    assert code.startswith("JY-445202-000123-") and len(code) == 18
    parsed = parse_label_code(code)
    assert parsed == {"code": code, "prefix": "JY", "jurisdiction": "445202", "serial": 123, "check": code[-1]}
    assert check_label_code(code)


def test_check_character_is_iso7064_mod11_2():
    # Published example of the same scheme (GB 11643 resident ID number).
    assert mod11_2_check("11010519491231002") == "X"
    # Independent formulation: GB 11643 weights 2^(17-i) mod 11 and its lookup table.
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    for n in range(0, 10**17, 10**17 // 997):
        digits = f"{n:017d}"
        expected = "10X98765432"[sum(w * int(d) for w, d in zip(weights, digits)) % 11]
        assert mod11_2_check(digits) == expected, digits
    with pytest.raises(ValueError, match="digits"):
        mod11_2_check("12a")


def test_every_check_value_occurs():
    checks = {make_label_code(jurisdiction="445202", serial=s)[-1] for s in range(1, 200)}
    assert checks == set("0123456789X")


@pytest.mark.parametrize("code", SAMPLE)
def test_every_single_substitution_is_detected(code):
    for i, original in enumerate(code):
        for replacement in ALPHABET:
            if replacement != original:
                typo = code[:i] + replacement + code[i + 1 :]
                assert not check_label_code(typo), typo


@pytest.mark.parametrize("code", SAMPLE)
def test_every_adjacent_and_jump_transposition_is_detected(code):
    for gap in (1, 2):
        for i in range(len(code) - gap):
            if code[i] != code[i + gap]:
                chars = list(code)
                chars[i], chars[i + gap] = chars[i + gap], chars[i]
                assert not check_label_code("".join(chars)), "".join(chars)


def test_lenient_input_normalises():
    code = make_label_code(jurisdiction="445202", serial=1)
    assert code.endswith("X")
    assert check_label_code(f"  {code.lower()}\n")
    assert normalize_label_code(code.lower()) == code


@pytest.mark.parametrize(
    "bad, message",
    [
        ("", "not of the form"),
        ("JY445202000123", "not of the form"),
        ("JX-445202-000123-1", "prefix must be 'JY'"),
        ("JY-045202-000123-4", "not a GB/T 2260"),
        ("JY-445202-000000-2", "000000"),
        ("JY-445202-000123-2", "check character"),
        (123, "expected a string"),
    ],
)
def test_parse_errors_are_clear(bad, message):
    with pytest.raises(ValueError, match=message) as caught:
        parse_label_code(bad)
    assert str(caught.value).startswith("label_code:")
    assert not check_label_code(bad)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"jurisdiction": "44520", "serial": 1}, "jurisdiction"),
        ({"jurisdiction": 445202, "serial": 1}, "jurisdiction"),
        ({"jurisdiction": "445202", "serial": 0}, "serial"),
        ({"jurisdiction": "445202", "serial": 1_000_000}, "serial"),
        ({"jurisdiction": "445202", "serial": "1"}, "serial"),
    ],
)
def test_make_errors_name_the_argument(kwargs, field):
    with pytest.raises(ValueError, match=f"^{field}:"):
        make_label_code(**kwargs)


def test_make_label_codes_batch():
    codes = make_label_codes(jurisdiction="445281", first_serial=998, count=5)
    assert [parse_label_code(c)["serial"] for c in codes] == [998, 999, 1000, 1001, 1002]
    with pytest.raises(ValueError, match="^count:"):
        make_label_codes(jurisdiction="445281", first_serial=999_999, count=2)
