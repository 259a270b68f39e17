"""The job journal on its own: what is written is what is read, and a torn end is harmless."""

from __future__ import annotations

import os
import stat

from stowtui.jobs import journal


def header(**changes) -> journal.Header:
    fields = dict(kind="copy", sources=["/data/a", "s3://b/k"], destination="s3://b/into/", policy="ask",
                  title="Copy 2 items", token=journal.new_token())
    fields.update(changes)
    return journal.Header(**fields)


def test_a_journal_reads_back_its_header_and_completed_files(tmp_path):
    written = journal.Journal(header(), tmp_path)
    for number in range(100):
        written.done(f"/data/a/f{number}")
    assert journal.held(written.path)  # the running job holds it
    written.end("cancelled", keep=True)
    record = journal.read(written.path)
    assert record.header == written.header
    assert record.completed == {journal.key(f"/data/a/f{number}") for number in range(100)}
    assert record.ended == "cancelled"
    assert not journal.held(written.path)
    # Small and bounded: 19 bytes a file, whatever the length of its name.
    records = written.path.read_bytes().split(b"\n", 1)[1]
    assert len(records) == 100 * 19 + len(b"e cancelled\n")
    assert stat.S_IMODE(os.stat(written.path).st_mode) == 0o600


def test_an_ended_journal_is_removed_and_a_cut_one_is_offered(tmp_path):
    ended = journal.Journal(header(), tmp_path)
    ended.done("/data/a/x")
    ended.end("done")
    assert not ended.path.exists()
    cut = journal.Journal(header(), tmp_path)
    cut.done("/data/a/y")
    assert journal.interrupted(tmp_path) == []  # held by its running job: not offered
    cut.abandon()  # as kill -9 leaves it, the lock gone with the process
    (offered,) = journal.interrupted(tmp_path)
    assert offered.path == cut.path and offered.ended is None
    assert offered.header.sources == ["/data/a", "s3://b/k"]


def test_a_torn_last_record_is_ignored(tmp_path):
    cut = journal.Journal(header(), tmp_path, completed={journal.key("/data/a/inherited")})
    cut.abandon()
    with open(cut.path, "ab") as file:
        file.write(b"d 12ab")  # the process died in the middle of a write
    record = journal.read(cut.path)
    assert record.completed == {journal.key("/data/a/inherited")}
    assert record.ended is None


def test_open_uploads_read_back_by_id_and_closed_ones_drop_out(tmp_path):
    cut = journal.Journal(header(), tmp_path)
    cut.opened("s3://b/into/big one.iso", "id-1")
    cut.opened("s3://b/into/odd%20name\nline", "id 2%")  # names are data: spaces, '%', line ends
    cut.opened("s3://b/into/done.iso", "id-3")
    cut.closed("id-3")
    cut.end("cancelled", keep=True)  # flushed (a closed record waits for the group commit)
    record = journal.read(cut.path)
    assert record.uploads == {"id-1": "s3://b/into/big one.iso", "id 2%": "s3://b/into/odd%20name\nline"}


def test_the_journal_directory_is_private(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    os.makedirs(tmp_path / "stowtui" / "jobs", mode=0o755)
    os.chmod(tmp_path / "stowtui" / "jobs", 0o755)
    directory = journal.journal_dir()
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
