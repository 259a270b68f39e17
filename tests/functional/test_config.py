"""Saved locations: the config file (stowtui/config.py), ``stowtui @name``, the bookmarks dialog, time zones."""

from __future__ import annotations

import datetime
import tomllib

import pytest
from textual.widgets import Select

from stowtui import cli, config as configuration, text
from stowtui.app import StowApp
from stowtui.managers import registry
from stowtui.screens.dialogs import BookmarksDialog, InputDialog, TransferDialog
from uikit import ready, screen_text, select, toasts_text, wait_for, widget_text

SIZE = (120, 40)

EXAMPLE = """\
timezone = "Europe/Paris"
conflict = "skip"

[bookmarks]
logs = "s3://acme-logs/2026/"
"odd [b]name" = "/tmp/x"

[s3]
profile = "acme"
region = "eu-west-1"
"""


@pytest.fixture(autouse=True)
def restore_globals():
    yield
    text.set_timezone("UTC")
    registry.set_defaults("s3")


@pytest.fixture
def config_file(tmp_path, monkeypatch):
    path = tmp_path / "conf" / "config.toml"
    monkeypatch.setenv(configuration.ENV, str(path))
    return path


@pytest.fixture
def two_dirs(tmp_path):
    left, right, far = tmp_path / "l", tmp_path / "r", tmp_path / "far"
    for directory in (left, right, far):
        directory.mkdir()
    (left / "a.txt").write_bytes(b"alpha\n")
    (far / "far.txt").write_bytes(b"far\n")
    return left, right, far


# The file ------------------------------------------------------------------


def test_round_trip_keeps_every_setting(config_file):
    config_file.parent.mkdir()
    config_file.write_text(EXAMPLE + "\n[future]\nkept = true\n")
    config = configuration.load()
    assert config.path == config_file
    assert config.bookmarks == {"logs": "s3://acme-logs/2026/", "odd [b]name": "/tmp/x"}
    assert (config.timezone, config.conflict) == ("Europe/Paris", "skip")
    assert config.s3 == {"profile": "acme", "region": "eu-west-1"}
    config.bookmarks["new one"] = 's3://b/with "quotes"/'
    del config.bookmarks["logs"]
    configuration.save(config)
    again = configuration.load()
    assert again.bookmarks == {"odd [b]name": "/tmp/x", "new one": 's3://b/with "quotes"/'}
    assert (again.timezone, again.conflict, again.s3) == ("Europe/Paris", "skip", config.s3)
    assert tomllib.loads(config_file.read_text())["future"] == {"kept": True}  # keys it does not know survive


def test_no_file_means_the_defaults_and_the_first_save_creates_it(config_file):
    config = configuration.load()
    assert (config.bookmarks, config.conflict, config.timezone, config.s3) == ({}, "ask", "UTC", {})
    config.bookmarks["home"] = "/home"
    configuration.save(config)
    assert tomllib.loads(config_file.read_text()) == {"bookmarks": {"home": "/home"}}


def test_a_defaults_config_is_never_saved():
    with pytest.raises(ValueError):
        configuration.save(configuration.Config())


def test_a_broken_file_names_its_line(config_file):
    config_file.parent.mkdir()
    config_file.write_text('conflict = "ask"\n\n[bookmarks]\nlogs = s3://no-quotes/\n')
    with pytest.raises(configuration.ConfigError, match=r"config\.toml, line 4: "):
        configuration.load()


@pytest.mark.parametrize("content, said", [
    ('timezone = "Mars/Olympus"', "timezone = 'Mars/Olympus': not a time zone name"),
    ('conflict = "sometimes"', "conflict = 'sometimes': expected one of"),
    ("[s3]\nprofle = \"x\"", "unknown setting 'profle'"),
    ("[bookmarks]\nlogs = 3", "[bookmarks] maps names to URLs"),
])
def test_bad_values_are_named(config_file, content, said):
    config_file.parent.mkdir()
    config_file.write_text(content + "\n")
    with pytest.raises(configuration.ConfigError) as caught:
        configuration.load()
    assert said in str(caught.value)


# Times ---------------------------------------------------------------------


def test_times_are_shown_in_the_configured_zone():
    moment = datetime.datetime(2026, 7, 1, 12, 30, tzinfo=datetime.timezone.utc)
    now = datetime.datetime(2026, 11, 25, 18, 0, tzinfo=datetime.timezone.utc)
    assert text.short_time(moment, now=now) == "Jul  1 12:30"  # UTC by default
    assert text.long_time(moment) == "2026-07-01 12:30:00 UTC"
    text.set_timezone("Asia/Tokyo")
    assert text.short_time(moment, now=now) == "Jul  1 21:30"
    assert text.long_time(moment) == "2026-07-01 21:30:00 JST"
    # A new year in the zone shown (not in UTC) decides between the two forms.
    eve = datetime.datetime(2025, 12, 31, 20, 0, tzinfo=datetime.timezone.utc)
    assert text.short_time(eve, now=now) == "Jan  1 05:00"


# The command line ----------------------------------------------------------


def test_at_name_opens_bookmarks_and_an_unknown_name_exits_2(config_file, two_dirs, monkeypatch, capsys):
    left, right, far = two_dirs
    config_file.parent.mkdir()
    config_file.write_text(f'[bookmarks]\nfar = "{far}"\nright = "{right}"\n[s3]\nregion = "eu-west-3"\n')
    started = []
    monkeypatch.setattr(StowApp, "run", lambda self: started.append(self))
    assert cli.main(["@far", "@right", "--profile", "cli-wins"]) == 0
    assert (started[0].left, started[0].right) == (str(far), str(right))
    assert registry._defaults["s3"]["region"] == "eu-west-3"  # the file's [s3]...
    assert registry._defaults["s3"]["profile"] == "cli-wins"  # ... under the options
    assert cli.main(["@nowhere"]) == 2
    assert "no bookmark called 'nowhere' (bookmarks: far, right)" in capsys.readouterr().err
    assert len(started) == 1


async def test_at_name_opens_the_bookmark_in_the_pane(config_file, two_dirs, monkeypatch):
    left, right, far = two_dirs
    config_file.parent.mkdir()
    config_file.write_text(f'[bookmarks]\nfar = "{far}"\n')
    started = []
    monkeypatch.setattr(StowApp, "run", lambda self: started.append(self))
    assert cli.main(["@far", str(right)]) == 0
    app = started[0]
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        assert screen.left.url.rstrip("/") == str(far)
        assert "far.txt" in widget_text(screen.left)


async def test_a_broken_file_still_starts_and_says_which_line(config_file, two_dirs, monkeypatch):
    left, right, _ = two_dirs
    config_file.parent.mkdir()
    config_file.write_text('timezone = "UTC"\nconflict = \n')
    started = []
    monkeypatch.setattr(StowApp, "run", lambda self: started.append(self))
    assert cli.main([str(left), str(right)]) == 0
    app = started[0]
    assert (app.config.bookmarks, app.config.conflict, app.config.path) == ({}, "ask", None)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        said = await wait_for(pilot, lambda: "line 2" in toasts_text(app) and toasts_text(app), "the config error")
        assert "config.toml" in said and "using the defaults" in said
        assert "a.txt" in widget_text(screen.left)


# The dialog ----------------------------------------------------------------


async def test_the_dialog_adds_jumps_and_removes(config_file, two_dirs):
    left, right, far = two_dirs
    config = configuration.load()
    app = StowApp(str(far), str(right), config=config)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        # Add: the active (left) pane's location, under the name typed.
        await pilot.press("ctrl+backslash")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, BookmarksDialog) and app.screen, "the dialog")
        assert "No bookmarks yet" in screen_text(app)
        await pilot.press("a")
        asking = await wait_for(pilot, lambda: isinstance(app.screen, InputDialog) and app.screen, "the name asked")
        asking.box.value = "[red]far"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is dialog, "back to the bookmarks")
        saved = tomllib.loads(config_file.read_text())["bookmarks"]
        assert saved == {"[red]far": str(far)}
        assert "[red]far" in widget_text(dialog.options)  # shown literally, not as markup
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, "the dialog to close")
        # Jump: the right pane goes there.
        await pilot.press("tab", "ctrl+backslash")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, BookmarksDialog) and app.screen, "the dialog")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen and screen.right.url.rstrip("/") == str(far),
                       "the right pane at the bookmark")
        await wait_for(pilot, lambda: "far.txt" in widget_text(screen.right), "the bookmark listed")
        # Remove: gone from the list and the file at once.
        await pilot.press("ctrl+backslash")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, BookmarksDialog) and app.screen, "the dialog")
        await pilot.press("d")
        await wait_for(pilot, lambda: dialog.options.option_count == 0, "the bookmark removed")
        assert tomllib.loads(config_file.read_text())["bookmarks"] == {}
        assert "Removed [red]far" in toasts_text(app)


async def test_the_bookmarks_key_is_in_the_help_and_the_palette(two_dirs):
    from stowtui.screens.help import HelpScreen

    left, right, _ = two_dirs
    app = StowApp(str(left), str(right))
    async with app.run_test(size=(120, 70)) as pilot:
        screen = await ready(pilot)
        commands = [c.title for c in app.get_system_commands(screen)]
        assert "Bookmarks" in commands
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        assert "Ctrl+\\" in screen_text(app) and "Bookmarks" in screen_text(app)


async def test_the_configured_policy_is_preselected(two_dirs):
    left, right, _ = two_dirs
    app = StowApp(str(left), str(right), config=configuration.Config(conflict="newer"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, "a.txt")
        await pilot.press("f5")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog) and app.screen, "the dialog")
        assert dialog.query_one("#policy", Select).value == "newer"


# Settings for one location ----------------------------------------------------


def test_location_settings_apply_to_the_urls_under_their_prefix(config_file, two_dirs, monkeypatch, stow):
    left, right, _ = two_dirs
    config_file.parent.mkdir()
    config_file.write_text(
        '[s3]\nregion = "eu-west-1"\n'
        '[locations."s3://partner-bucket/"]\nregion = "ap-south-1"\n'
        '[locations."sftp://box/"]\nhost = "buildbox"\nuser = "deploy"\n'
    )
    monkeypatch.setattr(StowApp, "run", lambda self: None)
    try:
        assert cli.main([str(left), str(right)]) == 0
        partner, path = registry.resolve("s3://partner-bucket/x/y")
        other, _ = registry.resolve("s3://other-bucket/x")
        assert (partner.toConfig()["region"], path) == ("ap-south-1", "/partner-bucket/x/y")
        assert other.toConfig()["region"] == "eu-west-1"
        # An SSH host alias: the URL's host is replaced, its path kept (no connection is made here).
        box, path = registry.resolve("sftp://box/var/log")
        assert (box.host, box.user, path) == ("buildbox", "deploy", "/var/log")
    finally:
        for prefix in ("s3://partner-bucket/", "sftp://box/"):
            registry.set_location_defaults(prefix)


def test_a_location_with_an_unknown_setting_is_named(config_file):
    config_file.parent.mkdir()
    config_file.write_text('[locations."sftp://box/"]\nprofile = "acme"\n')
    with pytest.raises(configuration.ConfigError, match=r'\[locations."sftp://box/"\]: unknown setting \'profile\''):
        configuration.load()
