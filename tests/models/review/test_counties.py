"""县区 are listed in 聊城市's own order, the development zones after them in the order the data has them."""

from __future__ import annotations

from models.review.counties import in_official_order
from models.review.queue_index import QueueIndex


def test_counties_in_the_official_order_then_zones_as_met() -> None:
    met = ["高唐县", "经济技术开发区", "东昌府区", "莘县", "", "江北水城旅游度假区", "茌平区", "高新技术产业开发区",
           "东昌府区", "临清市", "阳谷县", "东阿县", "冠县"]
    assert in_official_order(met) == ["东昌府区", "茌平区", "临清市", "阳谷县", "莘县", "东阿县", "冠县", "高唐县",
                                      "经济技术开发区", "江北水城旅游度假区", "高新技术产业开发区"]


def test_the_queue_filter_lists_counties_in_that_order() -> None:
    index = QueueIndex()
    for n, county in enumerate(["冠县", "高新技术产业开发区", "东昌府区", "茌平区"]):
        index.append(f"LC-{n}", "某公司", "uscc", county, "纺织服装", "item", "eligible")
    assert index.distinct("counties") == ["东昌府区", "茌平区", "冠县", "高新技术产业开发区"]
