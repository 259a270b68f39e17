"""A config file that is wrong in any way gives a sentence naming the key and line, never a
traceback or a hang; the start goes on with the defaults (cli.load_config)."""

from __future__ import annotations

import os

import pytest

from stowtui import cli, config as configuration


@pytest.mark.parametrize("content, said", [
    ('[locations."sftp://box/"]\nhost = "h"\nport = "x"', 'line 3: [locations."sftp://box/"]: port = \'x\': expected a port'),
    ('[s3]\nprofile = "p"\nendpoint_url = 123', "line 3: [s3]: endpoint_url = 123: expected a URL"),
    ("[s3]\ntimeout = -1", "line 2: [s3]: timeout = -1: expected a number of seconds"),
    ("[s3]\nunsigned = \"yes\"", "line 2: [s3]: unsigned = 'yes': expected true or false"),
    ("timezone = 5", "line 1: timezone = 5: not a time zone name"),
    ('# a comment\nconflict = ["skip"]', "line 2: conflict = a list: expected one of"),
    ("[bookmarks]\nlogs = 3", "line 2: [bookmarks] maps names to URLs: logs = 3 is not one"),
    ("x = 1\na = " + "[" * 5000 + "]" * 5000, "line 2: values nested more than 32 levels deep"),
    ("a = " + "{b = " * 40 + "1" + "}" * 40, "line 1: values nested more than 32 levels deep"),
])
def test_a_wrong_value_is_named_with_its_line(tmp_path, content, said):
    path = tmp_path / "config.toml"
    path.write_text(content + "\n")
    with pytest.raises(configuration.ConfigError) as caught:
        configuration.load(path)
    assert str(caught.value).startswith(f"{path}, ") and said in str(caught.value)


def test_brackets_inside_strings_and_comments_are_not_nesting(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('# [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n[bookmarks]\nx = "s3://b/' + "[" * 40 + '"\n')
    assert configuration.load(path).bookmarks == {"x": "s3://b/" + "[" * 40}


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_a_config_path_that_is_not_a_regular_file_is_refused_without_blocking(tmp_path, kind):
    if kind == "fifo":
        path = tmp_path / "fifo"
        os.mkfifo(path)  # nobody writes: reading it would block for ever
    else:
        path = tmp_path if kind == "directory" else configuration.Path("/dev/zero")
    with pytest.raises(configuration.ConfigError, match="not a config file"):
        configuration.load(path)


def test_a_config_file_too_big_is_refused(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"# " + b"x" * configuration.MAX_BYTES + b"\n")
    with pytest.raises(configuration.ConfigError, match="too big for a config file"):
        configuration.load(path)


def test_the_start_goes_on_with_defaults_and_says_why(tmp_path, monkeypatch):
    path = tmp_path / "fifo"
    os.mkfifo(path)
    monkeypatch.setenv(configuration.ENV, str(path))
    config, problem = cli.load_config()
    assert config == configuration.Config()
    assert problem == f"{path}: it is not a regular file (a pipe, device or socket), not a config file — using the defaults"
