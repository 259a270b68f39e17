"""A job's source given as a URL: found, and where it is a directory walked, from one listing.

``look_up_source(s3, path)`` is the S3 manager's ``_lookUpSource`` hook.

Finding out what ``s3://bucket/key`` is takes one ``ListObjectsV2`` (the
object ``key`` and the prefix ``key/``; ``listing.look_up``), and walking a
directory there takes one more (``Prefix=key/``). One listing of
``Prefix=key`` with no delimiter answers both: keys sort in UTF-8 byte order,
so the object ``key`` comes first, then the names that go on with a
character below ``/`` (``key-old``, ``key.bak``), then everything under
``key/`` — the walk's first page, which the walk then goes on from
(the freshness rule's reuse inside one operation: this job's own listing).

Where that first page shows neither (a full page of ``key-old/...`` before
``key/``), it proves nothing, and the ordinary lookup is made: one request
more than before, only then.
"""

from __future__ import annotations

from typing import Iterator

from .. import exceptions
from ..artefacts import Artefact, Directory
from . import listing
from .errors import CODES_DENIED, error_code, s3_errors


def _below(pages, prefix: str) -> Iterator[dict]:
    """The pages of a ``Prefix=key`` listing cut to the keys under ``prefix`` (``key/``),
    ending at the first key past them."""
    after = prefix.encode("utf-8")
    for page in pages:
        inside, past = [], False
        for item in page.get("Contents", []):
            name = item["Key"]
            if name.startswith(prefix):
                inside.append(item)
            elif name.encode("utf-8") > after:
                past = True
                break
        yield {"Contents": inside}
        if past:
            return



def look_up_source(s3, managerPath: str) -> tuple[Artefact, Iterator[Artefact] | None]:
    bucket, key = s3._split(managerPath)
    if not key:  # a bucket: HeadBucket says whether it is there
        return s3._loadArtefact(managerPath), None
    import botocore.exceptions as bce

    prefix = key + "/"
    pages = iter(s3.object_pages(Bucket=bucket, Prefix=key))
    with s3_errors("look at", s3._abspath(managerPath)):
        try:
            first = next(pages)
        except bce.ClientError as error:
            if error_code(error) not in CODES_DENIED:
                raise
            # Listing is denied: the ordinary lookup asks for the object its3.
            return s3._loadArtefact(managerPath, cached=False), None
    items = first.get("Contents", [])
    if items and items[0]["Key"] == key:  # the object (a file wins over a directory of its name)
        return s3._addArtefact(listing.file_from_listing(s3, bucket, items[0])), None
    after = prefix.encode("utf-8")
    if any(item["Key"].startswith(prefix) for item in items):
        directory = Directory(s3, managerPath)

        def chained():
            yield first
            yield from pages

        return directory, listing.walk(s3, directory, pages=_below(chained(), prefix))
    if not first.get("IsTruncated") or (items and items[-1]["Key"].encode("utf-8") > after):
        raise exceptions.ArtefactNotFound(f"Nothing exists at {s3._abspath(managerPath)}")
    # A whole page of names between ``key`` and ``key/``: ask the ordinary way.
    return s3._loadArtefact(managerPath, cached=False), None
