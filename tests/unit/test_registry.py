"""Finding managers: entry points, URLs and ``connect``."""

import importlib.metadata

import pytest

from stowtui.managers import exceptions, registry
from stowtui.managers.fs import FS
from stowtui.managers.s3 import S3


def test_the_project_registers_fs_and_s3_as_entry_points():
    found = {e.name: e.value for e in importlib.metadata.entry_points(group="stow_managers")}
    assert found["fs"] == "stowtui.managers.fs:FS"
    assert found["s3"] == "stowtui.managers.s3:S3"
    assert {"fs", "s3"} <= set(registry.available())


@pytest.mark.parametrize("name, cls", [("fs", FS), ("FS", FS), ("Fs", FS), ("s3", S3), ("S3", S3)])
def test_names_are_matched_case_insensitively(name, cls):
    assert registry.manager_class(name) is cls


def test_an_unknown_scheme_names_what_is_known():
    with pytest.raises(exceptions.ManagerNotFound, match=r"'gopher'.*fs, s3"):
        registry.resolve("gopher://host/x")


@pytest.mark.parametrize(
    "url, manager, path",
    [
        ("s3://bucket/key", "s3", "/bucket/key"),
        ("S3://bucket/dir/", "s3", "/bucket/dir/"),
        ("s3://", "s3", "/"),
        ("s3://bucket", "s3", "/bucket"),
        ("s3://b/a#1?x=y&z", "s3", "/b/a#1?x=y&z"),  # '#' and '?' are part of the key
        ("s3://b/100%25 done", "s3", "/b/100%25 done"),  # keys are taken as written
        ("/abs/path", "fs", "/abs/path"),
        ("/tmp/report #3?.txt", "fs", "/tmp/report #3?.txt"),  # not a fragment, not a query
        ("file:///abs/x", "fs", "/abs/x"),
        ("FILE:///abs/x", "fs", "/abs/x"),
        ("file://localhost/abs/x", "fs", "/abs/x"),
        ("file:///tmp/a%20b", "fs", "/tmp/a b"),  # file URLs are percent-decoded
        ("file:///tmp/what?#1", "fs", "/tmp/what?#1"),
    ],
)
def test_urls_go_to_their_manager(stow, url, manager, path):
    found, found_path = registry.resolve(url)
    assert type(found) is registry.manager_class(manager)
    assert found_path == path


def test_relative_and_home_paths_go_to_fs(stow, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))

    assert registry.resolve("relative/x#1") == (stow.connect("fs"), str(tmp_path / "relative" / "x#1"))
    assert registry.resolve("~/notes?.txt")[1] == str(tmp_path / "home" / "notes?.txt")
    assert registry.resolve(".")[1] == str(tmp_path)


def test_a_local_name_with_hash_and_question_mark_is_read_and_written(stow, tmp_path):
    path = tmp_path / "a#b?c=d"
    path.write_bytes(b"local")
    assert stow.get(str(path)) == b"local"
    assert stow.get("file://" + str(path)) == b"local"
    assert stow.exists(str(path)) and not stow.exists(str(tmp_path / "a"))


def test_connect_returns_one_instance_per_name_and_config(stow, s3):
    a = stow.connect("s3", endpoint_url=s3.endpoint_url)
    b = stow.connect("S3", endpoint_url=s3.endpoint_url)
    c = stow.connect("s3", endpoint_url=s3.endpoint_url, path_style=True)

    assert a is b
    assert c is not a
    assert registry.resolve("s3://bucket/k")[0] is a  # the URL default is the same config
    assert stow.connect("fs") is stow.connect("FS") is registry.resolve("/x")[0]


@pytest.mark.parametrize(
    "name, config",
    [
        ("fs", {}),
        ("fs", {"path": "/"}),
        ("s3", {}),
        ("s3", {"region": "eu-west-1", "path_style": True, "unsigned": True}),
        ("s3", {"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG"}),
        ("s3", {"aws_access_key_id": "AKID2", "aws_secret_access_key": "sekret", "aws_session_token": "t0ken"}),
    ],
)
def test_to_config_round_trips_through_connect_without_secrets(stow, name, config):
    manager = stow.connect(name, **config)
    reported = manager.toConfig()

    assert stow.connect(**reported) is manager
    text = repr(reported) + repr(manager)
    for secret in ("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG", "AKID2", "sekret", "t0ken"):
        assert secret not in text


def test_to_config_of_explicit_keys_still_works_after_the_cache_is_dropped(stow, s3, seed):
    seed("bucket", {"k": b"v"})
    manager = stow.connect("s3", endpoint_url=s3.endpoint_url, aws_access_key_id="AKIDX", aws_secret_access_key="sx")
    reported = manager.toConfig()
    registry.forget_instances()

    again = stow.connect(**reported)

    assert again is not manager
    assert again.client._request_signer._credentials.access_key == "AKIDX"
    assert again.get("/bucket/k") == b"v"


def test_a_config_naming_keys_this_process_never_saw_is_refused_clearly():
    with pytest.raises(exceptions.InvalidPath, match="pass aws_access_key_id and aws_secret_access_key"):
        S3(credentials="explicit-from-elsewhere")


def test_defaults_apply_to_urls_but_explicit_config_wins(stow, s3):
    manager, _ = registry.resolve("s3://bucket/k")
    assert manager.endpoint_url == s3.endpoint_url
    assert stow.connect("s3").endpoint_url is None


def test_rescan_forgets_classes_so_new_plug_ins_are_seen():
    registry.manager_class("fs")
    registry.rescan()
    assert "fs" not in registry._classes
    assert registry.manager_class("fs") is FS


@pytest.mark.parametrize("bad", ["", None, 3])
def test_what_is_not_a_path_is_refused(stow, bad):
    with pytest.raises(exceptions.InvalidPath):
        registry.resolve(bad)


def test_the_managers_found_without_a_scan_are_the_project_entry_points():
    """registry.OWN_MANAGERS stands for the project's entry points at start: they must agree."""
    found = {e.name: e.value for e in importlib.metadata.entry_points(group="stow_managers")}
    assert registry.OWN_MANAGERS.items() <= found.items()


def test_a_local_path_is_resolved_without_reading_the_installed_distributions(tmp_path):
    """importlib.metadata (the entry point scan) is not imported to open a local path."""
    import subprocess
    import sys

    code = (
        "import sys; from stowtui.managers import registry; "
        f"m, p = registry.resolve({str(tmp_path)!r}); "
        "print(type(m).__name__, 'importlib.metadata' in sys.modules, 'boto3' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["FS", "False", "False"]
