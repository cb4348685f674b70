"""Pure rules: the GB 32100-2015 credit-code check, yes/no and count parsing, street names, branch types."""
from __future__ import annotations

import pytest

from orgbuild.domain import rules

VALID = ["91110000600037341L", "121200004013590816", "91440300568520498A", "9144030071526726XG",
         "92340602MA2PBMEM24", "91350100M000100Y43"]
INVALID = ["91110000600037341N", "91350100M000100Y4Z"]


@pytest.mark.parametrize("code", VALID)
def test_domain_valid_codes(code):
    assert rules.credit_code_error(code) is None
    assert rules.is_valid_credit_code(code)
    assert rules.credit_code_check_char(code[:17]) == code[17]


@pytest.mark.parametrize("code", INVALID)
def test_domain_invalid_codes(code):
    assert not rules.is_valid_credit_code(code)


def test_check_character_message_names_the_expected_character():
    assert rules.credit_code_error("91110000600037341N") == "校验位错误：应为 L"
    assert rules.credit_code_error("91350100M000100Y4Z") == "含有不允许的字符：Z"


@pytest.mark.parametrize(
    "code,message",
    [("", "统一社会信用代码不能为空"), ("9111000060003734", "统一社会信用代码应为18位，实为16位"),
     ("91110000600037341O", "含有不允许的字符：O"), ("I1110000600037341L", "含有不允许的字符：I")],
)
def test_malformed_codes(code, message):
    assert rules.credit_code_error(code) == message


def test_normalisation_spaces_hyphens_fullwidth_case():
    assert rules.normalize_credit_code(" ９１１１-0000 6000 3734１ｌ ") == "91110000600037341L"
    assert rules.is_valid_credit_code("9144 0300-5685 2049 8a")
    assert rules.normalize_credit_code(None) == ""


@pytest.mark.parametrize("raw", ["是", "有", "Y", "yes", "√", "1", "Ｙ", " 是 ", True, "已建立"])
def test_yes(raw):
    assert rules.parse_yes_no(raw) is True


@pytest.mark.parametrize("raw", ["否", "无", "N", "no", "×", "0", "０", False, "未建"])
def test_no(raw):
    assert rules.parse_yes_no(raw) is False


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_yes_no_blank(raw):
    assert rules.parse_yes_no(raw) is None


@pytest.mark.parametrize("raw", ["也许", "2", "yes!"])
def test_yes_no_rejects_anything_else(raw):
    with pytest.raises(ValueError) as error:
        rules.parse_yes_no(raw)
    assert "应填“是”或“否”" in str(error.value)


@pytest.mark.parametrize(
    "raw,value",
    [("12", 12), ("１２", 12), (" 7 ", 7), ("12.0", 12), (12.0, 12), (3, 3), ("1,200", 1200), ("+5", 5), ("0", 0),
     (None, None), ("", None), ("  ", None)],
)
def test_counts(raw, value):
    assert rules.parse_count(raw) == value


@pytest.mark.parametrize("raw", ["-1", -3, "－２"])
def test_negative_counts(raw):
    with pytest.raises(ValueError) as error:
        rules.parse_count(raw)
    assert str(error.value) == "不能为负数"


@pytest.mark.parametrize("raw", ["abc", "1.5", 2.5, True, "12人"])
def test_counts_not_whole_numbers(raw):
    with pytest.raises(ValueError) as error:
        rules.parse_count(raw)
    assert str(error.value) == "应为不小于0的整数"


@pytest.mark.parametrize("name", ["翠竹", "翠竹街道", " 翠竹街道办 ", "翠竹街道办事处"])
def test_street_key(name):
    assert rules.street_key(name) == "翠竹"


@pytest.mark.parametrize("members,kind", [(0, "joint_branch"), (2, "joint_branch"), (3, "branch"), (29, "branch"),
                                          (30, "general_branch"), (100, "committee")])
def test_suggested_branch_type(members, kind):
    assert rules.suggested_branch_type(members) == kind


def test_configurable_thresholds():
    local = rules.BranchThresholds(branch=3, general_branch=50, committee=200)
    assert rules.branch_type_error("general_branch", 40, local) == "团员不足50人（现有40人），不能建立团总支"
    assert rules.branch_type_error("general_branch", 40) is None
    assert rules.branch_type_error("branch", None) == "请填写团员人数"


def test_counts_above_the_maximum_are_refused():
    assert rules.parse_count(str(rules.MAX_COUNT)) == rules.MAX_COUNT
    with pytest.raises(ValueError) as error:
        rules.parse_count("99999999999999999999")
    assert str(error.value) == "数值过大：不能超过1000000"
    assert rules.branch_type_error("branch", 10**12) == "数值过大：不能超过1000000"
