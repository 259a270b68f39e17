"""The library internals stowtui still uses, pinned: a release that changes them fails here
first, not in the field.

Kept (each shown to matter; see benchmarks/FIELD.md):

* paramiko's request/answer machinery (``SFTPClient._async_request``, ``_read_response``,
  the ``_async_response`` callback and ``SFTPAttributes._from_msg``), which
  ``managers/sftp/links.py`` uses to ask for every link of a listing in one round trip
  instead of two per link (the way paramiko's own ``readv`` pipelines). It falls back
  to the plain calls where they are missing; this test says when that happens.
"""

from __future__ import annotations

import inspect


def test_paramiko_pipelined_requests_are_where_links_py_expects_them():
    from paramiko import sftp as protocol
    from paramiko.sftp_attr import SFTPAttributes
    from paramiko.sftp_client import SFTPClient

    assert callable(SFTPClient._async_request) and callable(SFTPClient._read_response)
    assert list(inspect.signature(SFTPClient._async_request).parameters)[:3] == ["self", "fileobj", "t"]
    # _read_response hands an answer to the object the request was made for, by this name.
    assert "_async_response" in inspect.getsource(SFTPClient._read_response)
    assert callable(SFTPAttributes._from_msg)
    assert {protocol.CMD_STAT, protocol.CMD_READLINK, protocol.CMD_ATTRS, protocol.CMD_NAME}
