"""``stowtui --demo``: an embedded S3 server (moto) on 127.0.0.1 with a sample bucket."""

from __future__ import annotations

import gzip
import json

BUCKET = "demo"


def sample_objects() -> dict[str, bytes]:
    """Nested folders and assorted files, awkward names included."""
    rows = "\n".join(f"{i},sensor-{i % 7},{20 + (i * 37) % 15}.{i % 10}" for i in range(1, 201))
    objects = {
        "README.md": b"# Demo bucket\n\nBrowse it, press F3 to view a file, F5 to copy it to the other pane.\n",
        "data/readings.csv": ("id,sensor,celsius\n" + rows + "\n").encode(),
        "data/config.json": json.dumps({"name": "demo", "sensors": 7, "enabled": True}, indent=2).encode(),
        "data/archive/2024/readings.csv.gz": gzip.compress(rows.encode()),
        "data/archive/2025/notes.txt": b"Archived notes.\n",
        "images/pixel.png": bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360f80f0000010100005b0ee6a70000000049454e44ae426082"
        ),
        "logs/app.log": "".join(f"2026-11-25T10:{m:02d}:00Z INFO request served in {m * 3} ms\n" for m in range(60)).encode(),
        "odd names/with spaces.txt": b"spaces\n",
        "odd names/[red]not markup[/red].txt": b"brackets are text\n",
        "odd names/#1 100%.txt": b"hash and percent\n",
        "odd names/ünïcödé ✓.txt": "unicode\n".encode(),
        "empty-folder/": b"",
    }
    for i in range(150):
        objects[f"many/file-{i:04d}.txt"] = f"file {i}\n".encode()
    return objects


class DemoServer:
    """moto's S3 server on a free loopback port, seeded with :func:`sample_objects`."""

    def __init__(self):
        self._server = None
        self.port = 0

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"s3://{BUCKET}/"

    @property
    def config(self) -> dict:
        return {
            "endpoint_url": self.endpoint_url,
            "region": "us-east-1",
            "aws_access_key_id": "demo",
            "aws_secret_access_key": "demo",
        }

    def start(self) -> "DemoServer":
        import logging

        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log over the screen
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)  # 0: a free port
        self._server.start()
        self.port = self._server.get_host_and_port()[1]
        self._seed()
        return self

    def _seed(self) -> None:
        import boto3

        client = boto3.client(
            "s3", endpoint_url=self.endpoint_url, region_name="us-east-1",
            aws_access_key_id="demo", aws_secret_access_key="demo",
        )
        client.create_bucket(Bucket=BUCKET)
        for key, body in sample_objects().items():
            client.put_object(Bucket=BUCKET, Key=key, Body=body)

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
