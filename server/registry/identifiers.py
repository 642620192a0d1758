"""Checks for the identifiers on enterprises and their certificates.

- Unified social credit code, GB 32100-2015: 18 characters from 0-9 and A-Z without I, O, S, V, Z;
  the 18th is a check character over the first 17 with weights 3^i mod 31.
- Industrial production licence number: `XK\\d{2}-\\d{3}-\\d{5}`, optionally preceded by the province
  abbreviation, as in `(粤)XK06-001-00123` or `粤XK06-001-00123`.
- CCC certificate number: 16 digits.
"""
from __future__ import annotations

import re

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")
LICENCE_PATTERN = re.compile(r"^(?:[（(][\u4e00-\u9fa5][)）]|[\u4e00-\u9fa5])?XK\d{2}-\d{3}-\d{5}$")
CCC_PATTERN = re.compile(r"^\d{16}$")


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def credit_code_error(code: str) -> str | None:
    """None when `code` is a well-formed unified social credit code, else the reason (Chinese)."""
    if not isinstance(code, str) or len(code) != 18:
        return "统一社会信用代码应为 18 位"
    if not _CREDIT_CODE_SHAPE.match(code):
        return "统一社会信用代码含有不允许的字符（不使用 I、O、S、V、Z，第 3-8 位为行政区划码）"
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        return f"统一社会信用代码校验位错误：应为 {expected}（GB 32100-2015）"
    return None


def licence_number_error(number: str) -> str | None:
    if not isinstance(number, str) or not LICENCE_PATTERN.match(number):
        return "生产许可证编号格式应为 XK××-×××-×××××（可带省份简称）"
    return None


def ccc_number_error(number: str) -> str | None:
    if not isinstance(number, str) or not CCC_PATTERN.match(number):
        return "CCC 证书编号应为 16 位数字"
    return None
