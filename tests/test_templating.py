"""The jinja2 environment's filters (``toolkit.templating``): figures as documents write them,
and lists escaped item by item where the template renders markup (a Word document's XML)."""

from __future__ import annotations

import datetime as dt

import pytest

from toolkit.config import Config
from toolkit.templating import BREAK, environment


@pytest.mark.parametrize(
    ("source", "values", "text"),
    [
        ("{{ d|cn_date }}", {"d": dt.date(2020, 10, 5)}, "2020年10月5日"),
        ("{{ d|cn_date }}", {"d": "2020-12-25T09:00:00"}, "2020年12月25日"),
        ("{{ n|cn_number }}", {"n": 3}, "三"),
        ("{{ n|cn_number }}", {"n": 11}, "十一"),
        ("{{ n|cn_number }}", {"n": 20}, "二十"),
        ("{{ n|cn_number }}", {"n": 99}, "九十九"),
        ("{{ n|percent_of(t) }}", {"n": 30, "t": 118}, "25.4%"),
        ("{{ n|percent_of(t) }}", {"n": 0, "t": 0}, "0%"),
        ("{{ x|percent }}", {"x": 98.3}, "98.3%"),
        ("{{ x|percent }}", {"x": 60.0}, "60%"),
        ("{{ x|num }}", {"x": 62.50}, "62.5"),
        ("{{ x|signed }}", {"x": 12.0}, "+12"),
        ("{{ x|signed }}", {"x": -3.5}, "-3.5"),
        ("{{ names|cn_list }}", {"names": ["区发改局", "区工信局"]}, "区发改局、区工信局"),
        ("{{ names|cn_list('；') }}", {"names": ["甲", "乙"]}, "甲；乙"),
        ("{{ ids|id_list }}", {"ids": ["3", "5", "12"]}, f"3、{BREAK}5、{BREAK}12"),
        ("{{ s|quote_or }}", {"s": ["滞后"]}, "“滞后”"),
        ("{{ s|quote_or }}", {"s": ["滞后", "严重滞后"]}, "“滞后”或“严重滞后”"),
        ("{{ s|short(5) }}", {"s": "一二三\n四五六七"}, "一二三 四……"),
    ],
)
def test_filters_write_figures_as_documents_do(
    config: Config, source: str, values: dict, text: str
) -> None:
    assert environment(config).from_string(source).render(values) == text


def test_lists_are_escaped_item_by_item_under_autoescape(config: Config) -> None:
    env = environment(config, autoescape=True)
    names = ["A & B", "<公司>"]
    assert env.from_string("{{ n|cn_list }}").render(n=names) == "A &amp; B、&lt;公司&gt;"
    assert env.from_string("{{ n|quote_or }}").render(n=names) == "“A &amp; B”或“&lt;公司&gt;”"
    # cut as text, never inside an escaped character
    assert env.from_string("{{ n|cn_list|short(3) }}").render(n=names) == "A &amp;……"
    # in plain text (mail) nothing is escaped
    assert environment(config).from_string("{{ n|cn_list }}").render(n=names) == "A & B、<公司>"
