"""stowtui.text: untrusted names made visible and literal; sizes, times and durations."""

from __future__ import annotations

import datetime
import os

import pytest
from rich.console import Console
from rich.text import Text

from stowtui.text import duration, human_size, plain, short_time, visible


@pytest.mark.parametrize(
    "name, shown",
    [
        ("plain.txt", "plain.txt"),
        ("a\nb", "a\\nb"),
        ("cr\rlf", "cr\\rlf"),
        ("tab\there", "tab\\there"),
        ("\x1b[31mred", "\\e[31mred"),
        ("\x1b]2;pwned\x07", "\\e]2;pwned\\x07"),
        ("nul\x00", "nul\\x00"),
        ("del\x7f", "del\\x7f"),
        ("c1 csi\x9b1m", "c1 csi\\x9b1m"),
        ("nel\x85", "nel\\x85"),
        ("bell\x07", "bell\\x07"),
        ("rtl\u202egnp.exe", "rtl\\u202egnp.exe"),
        ("isolate\u2066x\u2069", "isolate\\u2066x\\u2069"),
        ("arabic letter mark\u061c", "arabic letter mark\\u061c"),  # a bidi control too
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("bom\ufeff", "bom\\ufeff"),
        ("line\u2028sep", "line\\u2028sep"),
        ("bad\udcff.txt", "bad\\xff.txt"),  # a byte that was not UTF-8 (os.fsdecode's surrogate escape)
        ("[red]x[/red]", "[red]x[/red]"),  # markup is not visible()'s business: it stays as it is
        ("ünïcödé ファイル 😀", "ünïcödé ファイル 😀"),
        ("", ""),
    ],
)
def test_visible(name, shown):
    assert visible(name) == shown


def test_visible_leaves_no_control_character_at_all():
    every = "".join(chr(c) for c in range(0x00, 0xA0)) + "".join(chr(c) for c in range(0xDC80, 0xDD00))
    out = visible(every)
    assert all(0x20 <= ord(c) < 0x7F or ord(c) >= 0xA0 for c in out)
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in out)


def test_visible_of_an_undecodable_file_name_from_disk():
    name = os.fsdecode(b"caf\xe9\xff.txt")
    assert visible(name) == "caf\\xe9\\xff.txt"


@pytest.mark.parametrize("name", ["[red]x[/red]", "[@click=app.quit]x", "[bold]", "a[/b]", "\\[escaped]", "[link=x]y"])
def test_plain_is_never_markup(name):
    text = plain(name)
    assert isinstance(text, Text)
    assert text.plain == name
    assert not text.spans  # no style was made from the brackets
    console = Console(width=80, color_system="truecolor", record=True, force_terminal=True)
    console.print(text)
    assert console.export_text().rstrip("\n") == name


def test_plain_makes_controls_visible_and_keeps_the_style():
    text = plain("\x1b]2;t\x07", style="bold")
    assert text.plain == "\\e]2;t\\x07"
    assert str(text.style) == "bold"
    assert text.no_wrap


@pytest.mark.parametrize(
    "size, shown",
    [
        (None, ""),
        (0, "0B"),
        (1, "1B"),
        (1023, "1023B"),
        (1024, "1.0K"),
        (1536, "1.5K"),
        (10 * 1024, "10K"),
        (48_213, "47K"),
        (1024**2, "1.0M"),
        (3_600_000, "3.4M"),
        (1024**3 * 5, "5.0G"),
        (1024**4 * 12, "12T"),
        (1024**5 * 3, "3.0P"),
        (1024**6, "1024P"),
    ],
)
def test_human_size(size, shown):
    assert human_size(size) == shown


def test_human_size_stays_short():
    for exponent in range(0, 60):
        assert len(human_size(2**exponent)) <= 5


def test_short_time_this_year_and_before():
    utc = datetime.timezone.utc
    now = datetime.datetime(2026, 11, 25, 18, 0, tzinfo=utc)
    this_year = datetime.datetime(2026, 3, 1, 9, 5, tzinfo=utc)
    assert short_time(this_year, now=now) == "Mar  1 09:05"  # the day padded with a space, as ls and mc
    earlier = datetime.datetime(2024, 3, 1, 12, 0, tzinfo=utc)
    assert short_time(earlier, now=now) == "Mar  1  2024"
    assert short_time(None) == ""
    # Both forms have the same width, so the column lines up.
    assert len(short_time(this_year, now=now)) == len(short_time(earlier, now=now)) == 12


@pytest.mark.parametrize(
    "seconds, shown",
    [(None, "--:--"), (0, "00:00"), (20.8, "00:20"), (59, "00:59"), (61, "01:01"), (3599, "59:59"),
     (3600, "1:00:00"), (90061, "25:01:01")],
)
def test_duration(seconds, shown):
    assert duration(seconds) == shown


def test_cut_middle_keeps_both_ends_so_names_differing_at_the_end_stay_apart():
    from stowtui.text import cut_middle

    west = cut_middle("quarterly_report_final_version_2026_eu_west.csv", 16)
    east = cut_middle("quarterly_report_final_version_2026_us_east.csv", 16)
    assert west == "quarterl~est.csv" and east == "quarterl~ast.csv"
    assert cut_middle("short.txt", 16) == "short.txt"
    assert cut_middle("日本語のファイル名です.txt", 10) == "日本~.txt"  # wide characters count two cells
