"""The statistics view: totals equal the queue's sums; drawn bar charts; switchable grouping."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from gui.charts import BarChart, Series, nice_step
from gui.qt import Qt
from gui.statistics_view import StatisticsView, TotalsModel
from demo.workspace import create_demo
from models.signing.keys import KdfParams
from models.review.queue import queue_rows
from models.exports.statistics import GROUPINGS, UNFILLED
from models.workspace.workspace import Workspace
from policy.catalog import load_policy
from policy.money import wan_text

POLICY = load_policy()
NAMES = {item.id: item.name for item in POLICY.items.values()}
ZERO = Decimal("0.00")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    folder = tmp_path_factory.mktemp("statistics-gui") / "ws"
    create_demo(folder, count=30, kdf=KdfParams.cheap_for_tests())
    ws = Workspace.open(folder, create=False)
    yield ws
    ws.close()


@pytest.fixture
def view(qtbot, demo: Workspace) -> StatisticsView:
    widget = StatisticsView()
    qtbot.addWidget(widget)
    widget.resize(1366, 768)
    with qtbot.waitSignal(widget.refreshed, timeout=30000):
        widget.refresh(demo)
    return widget


def _sum(values) -> Decimal:
    return sum((v for v in values if v is not None), ZERO)


@pytest.mark.parametrize("grouping", list(GROUPINGS))
def test_totals_equal_sums_from_the_queue(view: StatisticsView, demo: Workspace, grouping: str):
    rows = queue_rows(demo.db, NAMES)
    key = {"item": lambda r: r.item_name, "county": lambda r: r.county or UNFILLED,
           "industry": lambda r: r.industry}[grouping]
    view.grouping.setCurrentIndex(list(GROUPINGS).index(grouping))
    model = view.model
    assert model.headerData(0, Qt.Orientation.Horizontal) == GROUPINGS[grouping]
    assert model.rowCount() == len({key(r) for r in rows}) + 1  # + 合计
    for row in range(model.rowCount() - 1):
        group = model.group(row)
        members = [r for r in rows if key(r) == group.key]
        assert group.count == len(members)
        assert group.requested_yuan == _sum(r.requested_yuan for r in members)
        assert group.cap_yuan == _sum(r.cap_yuan for r in members)
        assert group.approved_yuan == _sum(r.approved_yuan for r in members)
        assert model.index(row, 6).data() == wan_text(group.approved_yuan)
    last = model.rowCount() - 1
    assert model.index(last, 0).data() == "合计"
    assert model.group(last).approved_yuan == _sum(r.approved_yuan for r in rows)
    assert view.chart.categories() == [model.group(row).key for row in range(last)]
    assert wan_text(_sum(r.requested_yuan for r in rows)) in view.summary.text()
    assert "【演示数据】" in view.summary.text()


def test_sorting_keeps_the_total_last(view: StatisticsView):
    model = view.model
    model.sort(1, Qt.SortOrder.DescendingOrder)
    counts = [model.group(row).count for row in range(model.rowCount() - 1)]
    assert counts == sorted(counts, reverse=True)
    assert model.index(model.rowCount() - 1, 0).data() == "合计"


def test_count_chart_and_model_tester(view: StatisticsView, qtmodeltester):
    view.chart_kind.setCurrentIndex(1)
    assert "件数" in view.chart._title
    qtmodeltester.check(view.model)
    qtmodeltester.check(TotalsModel())


def test_chart_basics(qtbot):
    assert nice_step(0) == 1.0 and nice_step(1000) == 200 and nice_step(30) == 10
    chart = BarChart()
    qtbot.addWidget(chart)
    with pytest.raises(ValueError):
        chart.set_data("x", ["甲", "乙"], [Series("申请金额", [Decimal(1)], "#000")])
    chart.set_data("按县区统计", ["东昌府区", "临清市"],
                   [Series("申请金额", [Decimal("500000.00"), Decimal("0.00")], "#5B8FD9")])
    chart.resize(600, chart.sizeHint().height())
    header = chart._header_height()
    assert chart.tooltip_at(header + 1).splitlines() == ["东昌府区", "申请金额：50.00万元"]
    assert chart.tooltip_at(0) == ""
    assert not chart.grab().isNull()


def test_renders_each_grouping(view: StatisticsView, qtbot, tmp_path):
    view.show()
    qtbot.waitExposed(view)
    for index in range(view.grouping.count()):
        view.grouping.setCurrentIndex(index)
        assert view.grab().save(str(tmp_path / f"stats-{index}.png"))


def test_small_bars_stay_legible_on_a_log_scale(qtbot):
    from gui.charts import log_bounds, spread

    values = [Decimal("100000000.00"), Decimal("10000.00"), Decimal("0.00")]  # 10000万元, 1万元, nothing
    chart = BarChart()
    qtbot.addWidget(chart)
    chart.set_data("按县区统计", ["东昌府区", "临清市", "冠县"], [Series("申请金额", values, "#5B8FD9")])
    assert chart.bar_length(values[1], 500) < 1  # linear: 1万元 beside 10000万元 is a twentieth of a pixel
    chart.set_log_scale(True)
    assert 100 <= chart.bar_length(values[1], 500) < chart.bar_length(values[0], 500) == 500
    assert chart.bar_length(values[2], 500) == 0
    assert log_bounds([10000.0, 1.0]) == (-1, 4) and spread([10000.0, 1.0, 0.0]) == 10000.0
    assert not chart.grab().isNull()


def test_the_view_picks_the_log_scale_when_bars_differ_a_hundredfold(view: StatisticsView):
    from gui.charts import LOG_SPREAD, spread

    shown = [float(v) for series in view.chart._series for v in series.values]
    assert view.log_scale.isChecked() is (spread(shown) >= LOG_SPREAD) is view.chart.log_scale()
    view.log_scale.setChecked(not view.log_scale.isChecked())
    assert view.chart.log_scale() is view.log_scale.isChecked()
