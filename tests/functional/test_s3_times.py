"""S3 times are read without dateutil: ISO 8601 by ``datetime.fromisoformat`` (one shared tz), HTTP dates by botocore."""

from __future__ import annotations

import datetime

import pytz

from stowtui import stow
from stowtui.managers.s3.client import parse_timestamp


def test_iso_and_http_dates_give_the_same_aware_times():
    iso = parse_timestamp("2026-11-30T04:50:01.250Z")
    assert iso == datetime.datetime(2026, 11, 30, 4, 50, 1, 250000, tzinfo=datetime.timezone.utc)
    assert iso.tzinfo is datetime.timezone.utc  # shared: not an object per key
    assert parse_timestamp("2026-11-30T05:50:01+01:00") == datetime.datetime(2026, 11, 30, 4, 50, 1, tzinfo=pytz.UTC)
    assert parse_timestamp("Mon, 30 Nov 2026 04:50:01 GMT") == datetime.datetime(2026, 11, 30, 4, 50, 1, tzinfo=pytz.UTC)
    assert parse_timestamp(1_800_000_000) == datetime.datetime.fromtimestamp(1_800_000_000, tz=pytz.UTC)


def test_a_listed_object_and_a_looked_up_one_tell_the_same_time(s3_client, bucket):
    s3_client.put_object(Bucket="bucket", Key="t/a.txt", Body=b"x")
    head = s3_client.head_object(Bucket="bucket", Key="t/a.txt")["LastModified"]  # an HTTP date
    listed = [a for a in stow.ls("s3://bucket/t/")][0]
    assert listed.modifiedTime == head
    assert listed.modifiedTime.tzinfo is pytz.UTC  # what every artefact gives
    assert stow.artefact("s3://bucket/t/a.txt").modifiedTime == head
