"""The direct path's Signature Version 4 (s3/wire.py ``Signer``): the same signature as
AWS's published example and as botocore's own signer, for the same request at the same time."""

from __future__ import annotations

import calendar
import datetime
import hashlib

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from stowtui.managers.s3.wire import EMPTY_SHA256, Signer, quote

pytestmark = pytest.mark.unit

WHEN = datetime.datetime(2013, 5, 24, 0, 0, 0)


def test_the_get_object_example_of_the_aws_documentation():
    """'Example: GET Object' of AWS's 'Signature Calculations for the Authorization Header:
    Transferring Payload in a Single Chunk' (the documented signature)."""
    credentials = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    signed = Signer("us-east-1").sign(
        "GET", "/test.txt", "", {"host": "examplebucket.s3.amazonaws.com", "Range": "bytes=0-9"},
        EMPTY_SHA256, credentials.get_frozen_credentials(), now=calendar.timegm(WHEN.timetuple()))

    assert signed["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")


@pytest.mark.parametrize("method,key,query,headers,body,token", [
    ("GET", "dir/a file ü+&=.txt", {"versionId": "3/L4kqtJl40Nr8X8gdRQBpUMLUo"},
     {"x-amz-checksum-mode": "ENABLED"}, b"", None),
    ("PUT", "up/x%41 y~z", {}, {"Content-MD5": "XUFAKrxLKna5cZ2REBfFkg==", "If-None-Match": "*"},
     b"hello", "session-token/+="),
    ("PUT", "copy/#?;,", {}, {"x-amz-copy-source": quote("bucket/src key", "-._~/"), "If-Match": '"abc"'},
     b"", None),
])
def test_the_same_signature_as_botocores_signer(monkeypatch, method, key, query, headers, body, token):
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: WHEN)
    credentials = Credentials("AKIDEXAMPLE", "secret/key+example", token)
    path = "/bucket/" + quote(key)
    canonical = "&".join(f"{quote(k, '-_.~')}={quote(v, '-_.~')}" for k, v in sorted(query.items()))
    url = "http://127.0.0.1:9000" + path + ("?" + canonical if canonical else "")
    payload = hashlib.sha256(body).hexdigest()
    theirs = AWSRequest(method=method, url=url, headers={**headers, "User-Agent": "x"}, data=body)
    S3SigV4Auth(credentials, "s3", "eu-west-1").add_auth(theirs)

    ours = Signer("eu-west-1").sign(method, path, canonical, {"host": "127.0.0.1:9000", "User-Agent": "y", **headers},
                                    payload,
                                    credentials.get_frozen_credentials(), now=calendar.timegm(WHEN.timetuple()))

    assert ours["Authorization"] == theirs.headers["Authorization"]
    assert ours["x-amz-date"] == theirs.headers["X-Amz-Date"]
    assert ours.get("x-amz-security-token") == theirs.headers.get("X-Amz-Security-Token")


def test_the_signing_key_is_made_once_a_day():
    signer = Signer("us-east-1")
    frozen = Credentials("AKID", "secret").get_frozen_credentials()
    signer.sign("GET", "/b/k", "", {"host": "h"}, EMPTY_SHA256, frozen, now=0)
    key = signer._key("secret", "19700101")
    signer.sign("GET", "/b/k2", "", {"host": "h"}, EMPTY_SHA256, frozen, now=3600)
    assert signer._key("secret", "19700101") is key
    signer.sign("GET", "/b/k", "", {"host": "h"}, EMPTY_SHA256, frozen, now=86400)
    assert list(signer._keys) == [("secret", "19700102")]  # yesterday's went
