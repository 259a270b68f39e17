"""A URL's password is never shown: job titles, failures, errors, notifications."""

from __future__ import annotations

import pytest

from stowtui.managers import exceptions
from stowtui.managers.redact import redact


@pytest.mark.parametrize("text,shown", [
    ("Copy sftp://user:hunter2@box/x to /tmp", "Copy sftp://user@box/x to /tmp"),
    ("sftp://u:p@ss:w@box:22/x", "sftp://u@box:22/x"),  # an '@' in the password too
    ("SFTP://me:hunter2@box", "SFTP://me@box"),
    ("s3://bucket/a:b@c and mail me@example.org", "s3://bucket/a:b@c and mail me@example.org"),  # no URL password
])
def test_redact_removes_only_a_urls_password(text, shown):
    assert redact(text) == shown


def test_an_error_sentence_never_holds_the_password():
    error = exceptions.BackendError("Cannot read sftp://user:hunter2@box/x")
    assert "hunter2" not in str(error) and "hunter2" not in repr(error)
