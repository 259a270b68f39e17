"""Artefacts: names, times and the constructors plug-ins call."""

import datetime

import pytest
import pytz

from stowtui.managers.artefacts import Artefact, Directory, File, as_utc
from stowtui.managers.fs import FS
from stowtui.managers.s3 import S3


@pytest.fixture
def fs():
    return FS()


@pytest.mark.parametrize(
    "path, basename, name, extension",
    [
        ("/data/report.csv.gz", "report.csv.gz", "report.csv", "gz"),
        ("/data/README", "README", "README", ""),
        ("/home/.bashrc", ".bashrc", ".bashrc", ""),
        ("/x/archive.", "archive.", "archive", ""),
        ("/bucket/dir/ファイル #1.txt", "ファイル #1.txt", "ファイル #1", "txt"),
    ],
)
def test_names(fs, path, basename, name, extension):
    artefact = File(fs, path, 1)
    assert (artefact.basename, artefact.name, artefact.extension) == (basename, name, extension)


def test_the_guide_constructors_positional_and_keyword():
    """As the guide's _identifyPath calls them: File(manager, path, size, modified, created, accessed)."""
    manager = FS()
    naive = datetime.datetime(2024, 5, 1, 12, 0, 0)
    aware = pytz.UTC.localize(naive)

    f = File(manager, "/f", 42, aware, aware, aware)
    d = Directory(manager, "/d", createdTime=aware, modifiedTime=aware, accessedTime=aware)

    assert (f.manager, f.path, f.size, len(f)) == (manager, "/f", 42, 42)
    assert f.modifiedTime == f.createdTime == f.accessedTime == aware
    assert d.createdTime == d.modifiedTime == d.accessedTime == aware
    assert isinstance(f, Artefact) and isinstance(d, Artefact)


@pytest.mark.parametrize(
    "given, expected",
    [
        (datetime.datetime(2024, 5, 1, 12, 0), datetime.datetime(2024, 5, 1, 12, 0)),  # naive: taken as UTC
        (pytz.timezone("Europe/Paris").localize(datetime.datetime(2024, 5, 1, 14, 0)), datetime.datetime(2024, 5, 1, 12, 0)),
        (datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc), datetime.datetime(2024, 5, 1, 12, 0)),
        (1714564800, datetime.datetime(2024, 5, 1, 12, 0)),  # a POSIX timestamp
        (1714564800.5, datetime.datetime(2024, 5, 1, 12, 0, 0, 500000)),
    ],
)
def test_times_are_timezone_aware_utc(fs, given, expected):
    artefact = File(fs, "/f", 0, modifiedTime=given)
    assert artefact.modifiedTime.tzinfo is pytz.UTC
    assert artefact.modifiedTime.replace(tzinfo=None) == expected
    assert as_utc(None) is None


def test_metadata_is_a_copy_with_the_etag(fs):
    given = {"ETag": '"abc"', "owner": "ana"}
    artefact = File(fs, "/f", 0, metadata=given, content_type="text/plain", storage_class="GLACIER")
    given["owner"] = "changed"

    assert artefact.metadata == {"ETag": '"abc"', "owner": "ana"}
    assert artefact.etag == '"abc"'
    assert (artefact.content_type, artefact.storage_class) == ("text/plain", "GLACIER")


def test_empty_files_and_directories_are_still_true(fs):
    """len() is the size or the number of children, but an artefact that exists is never falsy."""
    empty_file, empty_dir = File(fs, "/f", 0), Directory(fs, "/d")
    assert len(empty_file) == len(empty_dir) == 0
    assert empty_file and empty_dir
    assert (None or empty_dir) is empty_dir


def test_a_directory_knows_whether_its_children_were_collected(fs, tmp_path):
    (tmp_path / "a").write_bytes(b"1")
    directory = fs.artefact(str(tmp_path))
    assert isinstance(directory, Directory) and not directory.collected

    fs.ls(str(tmp_path))

    assert directory.collected
    assert [a.basename for a in directory] == ["a"]


def test_local_and_remote_locations(fs, tmp_path):
    s3 = S3()
    local = File(fs, str(tmp_path / "x"), 0)
    remote = File(s3, "/bucket/dir/key #1", 0)

    assert local.abspath == str(tmp_path / "x")
    assert remote.abspath == "s3://bucket/dir/key #1"
    with pytest.raises(TypeError, match="localise"):
        open(remote)
    assert repr(remote) == "<File 's3://bucket/dir/key #1'>"
