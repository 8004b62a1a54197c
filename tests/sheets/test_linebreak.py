"""禁则: no line starts with closing punctuation or ends with an opening one; 二（一）3 stays whole."""

from __future__ import annotations

import random

import pytest

from sheets.linebreak import CANNOT_END, CANNOT_START
from sheets.ruled import paragraph
from sheets.styles import styles

PIECES = ["根据", "二（一）3", "第五条", "规定，", "企业", "申报的", "技术改造项目", "（含设备购置）", "总投资额",
          "¥300,000.00", "元；", "经审核，", "符合条件。", "《若干措施》", "“专精特新”", "认定", "、", "2026-000001",
          "不予奖励！", "补助", "（一）", "30.00万元", "：", "合格"]


def _lines(text: str, width: float) -> list[str]:
    para = paragraph(text, styles().body)
    para.wrap(width, 1e6)
    if para.blPara.kind == 0:
        return ["".join(words) for _, words in para.blPara.lines]
    return ["".join(word.text for word in line.words) for line in para.blPara.lines]


@pytest.mark.parametrize("seed", range(40))
def test_no_line_starts_with_a_closing_mark_or_ends_with_an_opening_one(seed: int) -> None:
    rng = random.Random(seed)
    text = "的".join(rng.choice(PIECES) for _ in range(rng.randint(20, 60)))  # no two references run together
    for width in (90, 137, 180, 233, 301, 415):
        lines = _lines(text, width)
        assert "".join(lines) == text
        for number, line in enumerate(lines):
            assert line, (width, lines)
            if number:
                assert line[0] not in CANNOT_START, (width, number, lines)
            if number < len(lines) - 1:
                assert line[-1] not in CANNOT_END, (width, number, lines)
        for whole in ("二（一）3", "¥300,000.00", "2026-000001", "第五条"):
            if whole in text:
                joined_breaks = "|".join(lines)
                for cut in range(1, len(whole)):
                    assert whole[:cut] + "|" + whole[cut:] not in joined_breaks, (whole, width, lines)


def test_a_comma_never_starts_a_line_at_any_width() -> None:
    text = "经审核，该企业符合条件，建议给予奖励，奖励金额为三十万元，请负责人审批。" * 3
    for width in range(60, 400, 3):
        lines = _lines(text, width)
        assert "".join(lines) == text
        assert not any(line[0] in CANNOT_START for line in lines[1:]), (width, lines)


def test_rare_characters_in_a_fallback_font_break_by_the_same_rules() -> None:
    text = "聊城𠮷祥堃犇䶮生物科技有限公司，依据二（一）3，经审核，符合条件。" * 4
    for width in range(70, 300, 7):
        lines = _lines(text, width)
        assert "".join(lines) == text
        assert not any(line[0] in CANNOT_START for line in lines[1:]), (width, lines)
        assert "二（一）3" in "".join(lines) and all("二（一" not in line[-3:] or "二（一）3" in line for line in lines)
