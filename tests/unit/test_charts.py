"""The on-time chart's geometry: bar heights from the rates, the target line, months with nothing due."""

from __future__ import annotations

from datetime import date

import pytest

from rights.charts import HEIGHT, TOP, ontime_chart

BOTTOM_Y = HEIGHT - 40


def test_bars_are_as_tall_as_the_rate_and_the_target_is_a_line_at_its_height() -> None:
    chart = ontime_chart([(date(2026, 1, 1), 9, 10), (date(2026, 2, 1), 0, 0), (date(2026, 3, 1), 10, 10)], 90)
    full = BOTTOM_Y - TOP
    jan, feb, mar = chart.bars
    assert jan.height == pytest.approx(full * 0.9) and jan.text == "90%"
    assert mar.height == pytest.approx(full) and mar.y == pytest.approx(TOP)
    assert feb.height == 0 and feb.text == "none due" and feb.title == "February 2026: none due"
    assert chart.target_y == pytest.approx(jan.y)  # 90% bar reaches the 90% target line
    assert jan.x < feb.x < mar.x and jan.x + jan.width < feb.x
    assert "2 with responses due, 0 of them below the target of 90%" in chart.summary


def test_a_target_outside_0_to_100_is_refused() -> None:
    with pytest.raises(ValueError, match="percentage"):
        ontime_chart([], 120)
