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


def test_times_kept_as_given_are_the_same_datetimes_when_read(fs):
    """A float from stat and S3's datetime are kept as given; reading gives what as_utc gives."""
    botocore_style = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc)
    local = File(fs, "/f", 1, 1714564800.25, 1714564800, None)
    remote = File(fs, "/o", 1, modifiedTime=botocore_style, createdTime=botocore_style)

    assert local.modifiedTime == as_utc(1714564800.25) and local.modifiedTime.tzinfo is pytz.UTC
    assert local.createdTime == as_utc(1714564800) and local.accessedTime is None
    assert remote.modifiedTime == remote.createdTime == botocore_style and remote.createdTime.tzinfo is pytz.UTC
    assert (local.modified_timestamp, remote.modified_timestamp) == (1714564800.25, 1714564800.0)
    assert File(fs, "/n", 0).modified_timestamp is None


def test_a_time_is_checked_when_given_and_can_be_set(fs):
    with pytest.raises(TypeError, match="POSIX timestamp"):
        File(fs, "/f", 0, modifiedTime="2024-05-01")
    artefact = File(fs, "/f", 0)
    artefact.modifiedTime = datetime.datetime(2024, 5, 1, 12, 0)

    assert artefact.modifiedTime == pytz.UTC.localize(datetime.datetime(2024, 5, 1, 12, 0))


def test_a_listing_etag_needs_no_dict_until_metadata_is_asked_for(fs):
    artefact = File(fs, "/o", 0, etag='"abc"')
    assert artefact.etag == '"abc"' and artefact._metadata is None

    artefact.metadata["owner"] = "ana"  # made once, then the artefact's own

    assert artefact.metadata == {"ETag": '"abc"', "owner": "ana"} and artefact.etag == '"abc"'
    assert File(fs, "/p", 0, metadata={"x": "1"}, etag='"e"').metadata == {"x": "1", "ETag": '"e"'}


def test_entries_are_compact_yet_take_attributes_of_their_own(fs):
    """Slots for what every entry has; rare attributes (a plug-in's, a link's) still set."""
    import weakref

    plain, link = File(fs, "/f", 1), File(fs, "/l", 1, is_link=True, link_target="/f")
    assert plain.__dict__ == {} and (plain.is_link, plain.link_target, plain.content_type) == (False, None, None)
    assert (link.is_link, link.link_target) == (True, "/f")

    plain.special = "named pipe"  # as fs.py marks a FIFO
    d = Directory(fs, "/d")
    d.version_id = "v1"
    assert (plain.special, d.version_id, weakref.ref(d)() is d) == ("named pipe", "v1", True)
