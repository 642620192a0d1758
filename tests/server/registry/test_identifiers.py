import pytest

from server.registry.identifiers import (
    ccc_number_error, credit_code_check_char, credit_code_error, licence_number_error,
)
from tests.factories import make_credit_code


def test_published_example_credit_code_is_valid():
    # The worked example printed in GB 32100-2015 material.
    assert credit_code_error("91350100M000100Y43") is None


@pytest.mark.parametrize("seed", range(50))
def test_every_wrong_check_character_is_caught(seed):
    code = make_credit_code(seed=seed)
    assert credit_code_error(code) is None
    for wrong in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        if wrong != code[17]:
            assert "校验位" in credit_code_error(code[:17] + wrong)


@pytest.mark.parametrize(
    "code", ["", "9135010", "91350100M000100Y4", "91350100M000100Y433", "91350100MO00100Y43", "9135A100M000100Y43",
             "91350100m000100Y43", None, 12345],
)
def test_malformed_credit_codes(code):
    assert credit_code_error(code) is not None


def test_check_character_can_be_zero():
    for seed in range(2000):
        code = make_credit_code(seed=seed)
        if code[17] == "0":
            assert credit_code_check_char(code[:17]) == "0"
            return
    pytest.fail("no code with check character 0 among 2000")


@pytest.mark.parametrize("number", ["XK06-001-00123", "(粤)XK06-001-00123", "粤XK12-001-00007", "（粤）XK06-001-00123"])
def test_licence_numbers_accepted(number):
    assert licence_number_error(number) is None


@pytest.mark.parametrize("number", ["XK6-001-00123", "XK06-01-00123", "XK06-001-0012", "QS06-001-00123", "XK06_001_00123", ""])
def test_licence_numbers_refused(number):
    assert licence_number_error(number) is not None


def test_ccc_numbers():
    assert ccc_number_error("2019010105123456") is None
    for bad in ("201901010512345", "20190101051234567", "201901010512345A", ""):
        assert ccc_number_error(bad) is not None
