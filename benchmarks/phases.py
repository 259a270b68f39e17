"""Where a small-file job's wall time goes, and what each tool costs the server.

Run:  .venv/bin/python benchmarks/phases.py                  (1,000 x 4 KiB, down, up and S3 -> S3, 2 rounds)
      PATH=/tmp/bv/bin:$PATH .venv/bin/python benchmarks/phases.py --tools stowtui s5cmd aws-cli

The loopback moto server of benchmarks/transfers.py runs in a process of its own (no
delay: plain loopback). For each tool and direction, one whole process per run:

* its wall time, and the server process's CPU (user + system, ``/proc``) during it: the
  server is one Python process, so when its CPU is close to the wall time the server, not
  the client, sets the pace;
* for stowtui, a timeline from inside the process (``benchmarks/stowcp.py`` with probes):
  when botocore's client was made and its first request left (where one is: a plain
  configuration starts without it, s3/plain.py), when the first request of the direct path
  left (the listing, or the first PUT) and when its last was answered.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from client_cpu import BUCKET, Server  # noqa: E402  (sets the AWS environment; no moto here)
from transfers import _bin, aws_command  # noqa: E402

#: stowcp.py with probes: the time of each phase, from the interpreter's start, on stderr.
PROBE = r'''
import sys, time
T0 = time.time()
sys.argv = ["stowcp.py"] + sys.argv[1:]
sys.path.insert(0, HERE)
import stowtui.managers.s3 as s3
from stowtui.managers.s3 import wire
marks = {}
exchange = wire.Connections.exchange
def watched(self, *args, **kwargs):
    marks.setdefault("first direct request", time.time())
    try:
        return exchange(self, *args, **kwargs)
    finally:
        marks["last direct answer"] = time.time()
wire.Connections.exchange = watched
made = s3.S3.client.fget
def client(self):
    found = made(self)
    if "client made" not in marks:
        marks["client made"] = time.time()
        def sent(**kwargs):  # answers None: a value would be taken for the response
            marks.setdefault("first request", time.time())
        found.meta.events.register("before-send", sent)
    return found
s3.S3.client = property(client)
import stowcp
code = stowcp.main()
marks["job done"] = time.time()
print(" ".join(f"{name}={at - T0:.3f}" for name, at in sorted(marks.items(), key=lambda item: item[1])),
      file=sys.stderr)
sys.exit(code)
'''.replace("HERE", repr(HERE))


def server_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def command(tool: str, endpoint: str, source: str, destination: str) -> list[str]:
    """``source`` (a folder or prefix) copied into ``destination`` under its own name."""
    source = source.rstrip("/")
    if tool == "stowtui":
        return [sys.executable, "-c", PROBE, "--endpoint-url", endpoint, source, destination]
    if tool == "s5cmd":
        pattern = source + "/*" if source.startswith("s3://") else source + "/"
        return [_bin("s5cmd"), "--endpoint-url", endpoint, "cp", pattern, destination.rstrip("/") + "/"]
    return aws_command() + ["--endpoint-url", endpoint, "s3", "cp", "--recursive", "--only-show-errors",
                            source, destination.rstrip("/") + "/" + os.path.basename(source)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--tools", nargs="+", default=["stowtui", "s5cmd"], choices=["stowtui", "s5cmd", "aws-cli"])
    args = parser.parse_args()
    import multiprocessing

    data = {f"f{i:05d}.bin": os.urandom(4096) for i in range(args.files)}
    workspace = tempfile.mkdtemp(prefix="stowtui-phases-")
    local = os.path.join(workspace, "small")
    os.makedirs(local)
    for name, body in data.items():
        with open(os.path.join(local, name), "wb") as handle:
            handle.write(body)
    try:
        with Server() as server:
            server.put({f"seed/small/{name}": body for name, body in data.items()})
            (process,) = multiprocessing.active_children()
            directions = {
                "S3 → local": lambda run, tool: (f"s3://{BUCKET}/seed/small", tempfile.mkdtemp(dir=workspace)),
                "local → S3": lambda run, tool: (local, f"s3://{BUCKET}/up-{run}-{tool}"),
                "S3 → S3": lambda run, tool: (f"s3://{BUCKET}/seed/small", f"s3://{BUCKET}/copy-{run}-{tool}"),
            }
            for direction, where in directions.items():
                for run in range(args.rounds):
                    for tool in args.tools:
                        source, destination = where(run, tool)
                        before, start = server_cpu(process.pid), time.perf_counter()
                        done = subprocess.run(command(tool, server.endpoint_url, source, destination),
                                              capture_output=True, text=True)
                        wall = time.perf_counter() - start
                        spent = server_cpu(process.pid) - before
                        if done.returncode:
                            raise SystemExit(f"{tool} failed: {done.stderr[-500:]}")
                        timeline = done.stderr.strip().splitlines()[-1] if tool == "stowtui" else ""
                        print(f"{direction:11} {tool:8} wall {wall:5.2f} s, server CPU {spent:5.2f} s  {timeline}")
                        if not destination.startswith("s3://"):
                            shutil.rmtree(destination)
    finally:
        shutil.rmtree(workspace)


if __name__ == "__main__":
    main()
