"""Changing the disk or a bucket behind stowtui's back, for freshness tests.

``make_place(kind, tmp_path, s3_client)`` gives (base URL, write(rel, bytes),
delete(rel)): plain ``os`` calls on a local directory, or a raw boto3 client on
``s3://bucket/base``, so nothing goes through a manager or its cache.
"""

from __future__ import annotations

import os


def make_place(kind: str, tmp_path, s3_client):
    if kind == "fs":
        root = tmp_path / "base"
        root.mkdir()

        def write(rel, data):
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)

        def delete(rel):
            os.unlink(root / rel)

        return str(root), write, delete
    s3_client.create_bucket(Bucket="bucket")

    def write(rel, data):
        s3_client.put_object(Bucket="bucket", Key=f"base/{rel}", Body=data)

    def delete(rel):
        s3_client.delete_object(Bucket="bucket", Key=f"base/{rel}")

    return "s3://bucket/base", write, delete
