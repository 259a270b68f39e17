"""Start-up: launch to first paint of the real ``stowtui`` command against a bare Textual app.

Run:  .venv/bin/python benchmarks/startup.py --runs 7
      .venv/bin/python benchmarks/startup.py --importtime /tmp/stowtui-imports.txt   (one launch, -X importtime)

Each program is spawned on its own pseudo-terminal (120×40, TERM=xterm-256color), as a
user's terminal would run it, and timed from the spawn until its text shows in what it
writes to the terminal (escape sequences taken out): for stowtui, the name of a file in
the directory both panes open (a local one: no S3, so boto3 is never needed); for the bare
app (``benchmarks/bare_app.py``: one ``Static`` line), that line. The two take turns,
several runs each; medians. Then each is ended (SIGTERM; SIGKILL if it lingers).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import resource
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.dirname(sys.executable)
ESCAPES = re.compile(rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|P[^\x1b]*\x1b\\|[@-Z\\-_])")
MARKER = "startup-marker.txt"
BARE_TEXT = "bare-app-ready"


def time_to_text(command: list[str], text: str, timeout: float = 30.0, env: dict | None = None,
                 log: list | None = None, cpu: list | None = None) -> float | None:
    """Seconds from spawning ``command`` on a new pty until ``text`` shows on it; None on timeout.

    stderr is the pty too: Textual draws on stderr. ``log`` gets what the program wrote,
    ``cpu`` the CPU seconds (user + system) it used in all (it is ended once the text shows).
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    environment = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40", **(env or {})}
    environment.pop("TEXTUAL", None)
    start = time.perf_counter()
    process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=environment,
                               start_new_session=True)
    os.close(slave)
    seen = b""
    wanted = text.encode()
    found = None
    try:
        deadline = start + timeout
        while found is None and time.perf_counter() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the program ended
                break
            if not chunk:
                break
            seen += chunk
            if wanted in ESCAPES.sub(b"", seen):
                found = time.perf_counter() - start
    finally:
        end(process, master)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if cpu is not None:
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if log is not None:
            log.append(seen)
    return found


def end(process: subprocess.Popen, master: int) -> None:
    """Stop a program this module spawned (by its pid), draining its pty so it cannot block on a write."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 5
    while process.poll() is None and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                os.read(master, 65536)
            except OSError:
                break
    if process.poll() is None:
        process.kill()
    process.wait()
    os.close(master)


def stowtui_command(folder: str, python_flags: tuple[str, ...] = ()) -> list[str]:
    """The installed console script (``stowtui``), run by this interpreter (same flags as the bare app)."""
    return [sys.executable, *python_flags, os.path.join(BIN, "stowtui"), folder, folder]


def bare_command() -> list[str]:
    return [sys.executable, os.path.join(HERE, "bare_app.py"), BARE_TEXT]


def local_folder(folder: str) -> str:
    for name in (MARKER, "a.txt", "b.txt"):
        with open(os.path.join(folder, name), "w") as handle:
            handle.write("x")
    return folder


def compile_stowtui() -> None:
    """Write the bytecode of stowtui's modules, as ``make demo`` and a non-editable install do.

    An editable install is not compiled by pip, and with PYTHONDONTWRITEBYTECODE set Python
    compiles every changed module again at each start (Textual's modules, pip-installed,
    are compiled): without this the comparison would time our compiler runs.
    """
    import compileall

    import stowtui

    compileall.compile_dir(os.path.dirname(stowtui.__file__), quiet=1)


def measure(runs: int, timeout: float = 30.0) -> dict:
    """Median launch-to-first-paint of both programs, taking turns; every run kept."""
    compile_stowtui()
    with tempfile.TemporaryDirectory(prefix="stowtui-startup-") as folder:
        return _measure(local_folder(folder), runs, timeout)


def _measure(folder: str, runs: int, timeout: float) -> dict:
    config = os.path.join(folder, "no-config.toml")  # not the user's config file (nor its bookmarks)
    env = {"STOWTUI_CONFIG": config}
    times: dict[str, list[float | None]] = {"bare Textual app": [], "stowtui": []}
    cpu: dict[str, list[float]] = {"bare Textual app": [], "stowtui": []}
    for _ in range(runs):
        name = "bare Textual app"
        times[name].append(time_to_text(bare_command(), BARE_TEXT, timeout, cpu=cpu[name]))
        name = "stowtui"
        times[name].append(time_to_text(stowtui_command(folder), MARKER, timeout, env=env, cpu=cpu[name]))
    result = {}
    for name, found in times.items():
        done = [t for t in found if t is not None]
        result[name] = {"median_s": round(statistics.median(done), 3) if done else None,
                        "cpu_median_s": round(statistics.median(cpu[name]), 3),
                        "runs_s": [round(t, 3) if t is not None else None for t in found]}
    bare, ours = result["bare Textual app"], result["stowtui"]
    if bare["median_s"] and ours["median_s"]:
        result["ratio"] = round(ours["median_s"] / bare["median_s"], 2)
        result["cpu_ratio"] = round(ours["cpu_median_s"] / bare["cpu_median_s"], 2)
    return result


IMPORT_LINE = re.compile(rb"import time:\s+\d+ \|\s+\d+ \|[^\r\n\x1b]*")


def importtime(path: str, timeout: float = 30.0) -> float | None:
    """One stowtui launch under ``-X importtime``: its report (the lines taken from what it
    wrote on the terminal, up to the first paint) written to ``path``."""
    with tempfile.TemporaryDirectory(prefix="stowtui-startup-") as folder:
        return _importtime(local_folder(folder), path, timeout)


def _importtime(folder: str, path: str, timeout: float) -> float | None:
    log: list[bytes] = []
    found = time_to_text(stowtui_command(folder, ("-X", "importtime")), MARKER, timeout, log=log,
                         env={"STOWTUI_CONFIG": os.path.join(folder, "no-config.toml")})
    with open(path, "wb") as report:
        report.write(b"\n".join(IMPORT_LINE.findall(b"".join(log))) + b"\n")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--importtime", metavar="FILE", help="one launch with -X importtime, its report to FILE")
    args = parser.parse_args()
    if args.importtime:
        print(f"first paint after {importtime(args.importtime)} s; import report in {args.importtime}")
        return
    print(measure(args.runs))


if __name__ == "__main__":
    main()
