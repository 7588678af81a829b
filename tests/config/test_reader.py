"""Reading config.toml's text and typed values (``toolkit/config/reader.py``): the encodings Notepad
saves, and the sentence naming the file and the key when a value is of the wrong kind."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from configs import MINIMAL

from toolkit.config import load_config
from toolkit.config.reader import _config_text, _date, _Reader, _resolve
from toolkit.errors import ConfigError


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_a_config_saved_by_notepad_reads(tmp_path: Path, encoding: str) -> None:
    """Notepad saves UTF-8 with a BOM (and, as "Unicode", UTF-16 with one), with CRLF."""
    path = tmp_path / "config.toml"
    path.write_bytes(MINIMAL.replace("\n", "\r\n").encode(encoding))
    assert path.read_bytes()[:2] in (b"\xef\xbb", b"\xff\xfe")
    config = load_config(path)
    assert config.office.name == "某区政府督查室"
    assert config.groups["各部门"] == ("区发改局", "区财政局")


def test_notepads_encodings_give_the_same_text():
    text = '[office]\nname = "某区政府督查室"\n'
    for data in (
        text.encode("utf-8"),
        text.encode("utf-8-sig"),
        text.encode("utf-16"),  # with the BOM of this machine's byte order
        b"\xfe\xff" + text.encode("utf-16-be"),
        b"\xff\xfe" + text.encode("utf-16-le"),
    ):
        assert _config_text(data) == text
    with pytest.raises(UnicodeDecodeError):
        _config_text(text.encode("gbk"))


def test_text_is_stripped_and_a_missing_or_wrong_kind_of_value_names_the_file_and_the_key(
    tmp_path: Path,
):
    r = _Reader(tmp_path / "config.toml")
    office = {"name": "  某区政府督查室 ", "year": 2021}
    assert r.str(office, "name", "office.") == "某区政府督查室"
    assert r.str(office, "phone", "office.", default="") == ""
    with pytest.raises(ConfigError) as missing:
        r.str(office, "district", "office.")
    assert str(missing.value) == f"{tmp_path / 'config.toml'}: office.district 缺失，必须填写。"
    with pytest.raises(ConfigError) as number:
        r.str(office, "year", "office.")
    assert str(number.value) == f"{tmp_path / 'config.toml'}: office.year 应为文字，现为 2021。"


def test_a_list_of_texts_may_be_one_text_and_its_blanks_are_dropped(tmp_path: Path):
    r = _Reader(tmp_path / "config.toml")
    unit = {"email": "czj@example.org", "cc": [" a@example.org ", "", "  ", "b@example.org"]}
    assert r.strs(unit, "email", "units[0].") == ("czj@example.org",)
    assert r.strs(unit, "cc", "units[0].") == ("a@example.org", "b@example.org")
    assert r.strs(unit, "aliases", "units[0].") == ()
    for value, shown in ((3, "3"), (["a@example.org", 3], "['a@example.org', 3]")):
        with pytest.raises(ConfigError) as e:
            r.strs({"email": value}, "email", "units[0].")
        assert str(e.value) == (
            f"{tmp_path / 'config.toml'}: units[0].email 应为文字列表，现为 {shown}。"
        )


def test_a_section_of_the_wrong_shape_says_how_it_is_written(tmp_path: Path):
    r = _Reader(tmp_path / "config.toml")
    raw = {"smtp": {"host": "mail"}, "units": [{"name": "区财政局"}], "office": 3, "rounds": {}}
    assert r.table(raw, "smtp") == {"host": "mail"}
    assert r.table(raw, "calendar") == {}
    assert r.tables(raw, "units") == [{"name": "区财政局"}]
    assert r.tables(raw, "leaders") == []
    with pytest.raises(ConfigError) as table:
        r.table(raw, "office")
    assert str(table.value) == f"{tmp_path / 'config.toml'}: [office] 应为一个表（[...] 段）。"
    with pytest.raises(ConfigError) as tables:
        r.tables(raw, "rounds")
    assert str(tables.value) == (
        f"{tmp_path / 'config.toml'}: [[rounds]] 应为表数组（每项以 [[...]] 开头）。"
    )


def test_a_date_is_a_toml_date_or_its_text_and_nothing_else(tmp_path: Path):
    r = _Reader(tmp_path / "config.toml")
    assert _date(r, dt.date(2021, 6, 25), "rounds[0].due", "2021-10-25") == dt.date(2021, 6, 25)
    assert _date(r, "2021-06-25", "rounds[0].due", "2021-10-25") == dt.date(2021, 6, 25)
    for value, shown in (
        ("6月25日", "'6月25日'"),
        ("2021-06-31", "'2021-06-31'"),
        (dt.datetime(2021, 6, 25, 9, 0), "datetime.datetime(2021, 6, 25, 9, 0)"),
        (20210625, "20210625"),
    ):
        with pytest.raises(ConfigError) as e:
            _date(r, value, "rounds[0].due", "2021-10-25")
        assert str(e.value) == (
            f"{tmp_path / 'config.toml'}: rounds[0].due 应为日期（如 2021-10-25），现为 {shown}。"
        )


def test_a_relative_path_is_the_config_folders_and_an_absolute_one_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    base = tmp_path / "office"
    assert _resolve(base, "tables/分解表.xlsx") == base / "tables" / "分解表.xlsx"
    assert (
        _resolve(base, str(tmp_path / "共享" / "分解表.xlsx")) == tmp_path / "共享" / "分解表.xlsx"
    )
    assert _resolve(base, "~/分解表.xlsx") == tmp_path / "home" / "分解表.xlsx"
