"""The tree of the sync checks: a folder of 100 files and an S3 prefix where 10 differ,
5 are missing and 3 are extra (remote objects dated 2021, local files 2020 or, the 10
changed ones, 2022). Used by the engine's and the UI's sync tests."""

import datetime
import os

OLD = datetime.datetime(2021, 1, 1)  # the remote copies' time (UTC)
BEFORE = datetime.datetime(2020, 1, 1).timestamp()  # local files not changed since
AFTER = datetime.datetime(2022, 1, 1).timestamp()  # local files changed since


def body(i: int, changed: bool = False) -> bytes:
    return (b"changed %d " % i * 3) if changed else (b"file %d" % i)


def make_hundred(tmp_path, s3, seed):
    """The folder (returned) and s3://bucket/mirror/; the server's counts cleared."""
    folder = tmp_path / "folder"
    folder.mkdir()
    for i in range(100):
        changed = i < 10
        path = folder / f"f{i:03d}.txt"
        path.write_bytes(body(i, changed))
        stamp = AFTER if changed else BEFORE
        os.utime(path, (stamp, stamp))
    remote = {f"mirror/f{i:03d}.txt": body(i) for i in range(100) if not 10 <= i < 15}
    remote.update({f"mirror/extra{i}.txt": b"extra" for i in range(3)})
    seed("bucket", remote)
    for key in remote:
        s3.backend.get_object("bucket", key).last_modified = OLD
    s3.clear_counts()
    return folder


def remote_files(s3, prefix="mirror/"):
    bucket = s3.backend.buckets["bucket"]
    return {key[len(prefix):]: bucket.keys[key].value for key in bucket.keys.keys() if key.startswith(prefix)}


def local_files(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}
