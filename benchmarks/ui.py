"""UI benchmark: big listings in a pane, a big local directory against ``ls -l``, start-up.

Run:  .venv/bin/python benchmarks/ui.py                       (every case below at its default size; long)
      .venv/bin/python benchmarks/ui.py --entries 1000000       (only the cases named)
      .venv/bin/python benchmarks/ui.py --keys 100000
      .venv/bin/python benchmarks/ui.py --local 20000
      .venv/bin/python benchmarks/ui.py --startup 7
      .venv/bin/python benchmarks/ui.py --keys 10000 100000 --local 20000 --timeout 300

Cases (issue 11), each in a process of its own (so its peak RSS is its own) that is
stopped after ``--timeout`` seconds, reporting what it measured until then:

- ``--entries N``: a pane opened at launch on ``synthetic:///N`` (benchmarks/synthetic.py,
  a plug-in making N entries in pages of 1,000, no I/O); default 1,000,000.
- ``--keys N``: the same on an N-key prefix of the loopback S3 server (tests/s3server.py,
  moto, in a process of its own); default 100,000.
  For both: launch → first rows and → all rows on screen; while the level fills, the
  latency from pressing a key to the screen showing its effect (Down, PageDown, End, Home,
  and each character typed into the filter, then Escape), median and worst; once loaded,
  typing a filter (``1234``) until exactly the matching rows show, and Escape until all
  show again; the longest the event loop was held; peak RSS of the whole process.
- ``--local N``: a pane on a directory of N files (made in a shuffled order) in a running
  app: first rows, complete and sorted, against ``ls -l`` in the same run; default 20,000.
- ``--startup RUNS``: launch to first paint of the real ``stowtui`` command against a bare
  Textual app with one static line, on a pty, taking turns (benchmarks/startup.py); default 7.

How the times are taken (headless ``App.run_test(size=(120, 40))``): every screen
refresh (``Screen._compositor_refresh``, which renders what changed) checks the conditions
waited for; a time is that of the first refresh at which its condition holds. A key is
pressed (``pilot.press``, not awaited) and its time runs until a refresh shows the
cursor moved (``pane.tree.cursor_line``) or the filter box holding the text typed. Between
two keys the harness waits 50 ms, as a quick typist. The longest hold of the event loop is
the largest lateness of a 5 ms asyncio timer. Only the panes' stable surface is used:
``app.screen.right``, ``pane.open``, ``pane.tree`` (``root.state``, ``root.children``,
``cursor_line``), ``pane.filter_box``, ``pane.start_filter`` (the local case also checks the
order of the rows where ``child.artefact`` exists, and says so where it does not). ``entry(node)``
reads a row of versions whose rows were Tree nodes holding the entry in ``data`` too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1",
                  AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true")

SIZE = (120, 40)
FILTER = "1234"
CYCLE = ("down", "down", "down", "pagedown", "end", "home")
KEY_GAP = 0.05  # between two probes: a quick typist, not a stream of keys
PROBE_TIMEOUT = 60.0
TIMED_OUT = 3  # a case's exit status when it ran out of time


def entry(node):
    """A pane's row: the node itself, or what it holds in ``data`` (versions whose rows were Tree nodes)."""
    return getattr(node, "data", None) or node


def rss_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_now_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


# The watcher ---------------------------------------------------------------


class Watch:
    """Times seen on the screen: conditions checked at each screen refresh, and event-loop holds."""

    def __init__(self):
        self.waiting: list[tuple[object, asyncio.Future]] = []
        self.longest_hold = 0.0
        self._original = None
        self._ticker: asyncio.Task | None = None

    def install(self) -> None:
        from textual.screen import Screen

        watch = self
        original = self._original = Screen._compositor_refresh

        def refresh(screen):
            original(screen)
            watch.refreshed()

        Screen._compositor_refresh = refresh

    def uninstall(self) -> None:
        from textual.screen import Screen

        Screen._compositor_refresh = self._original
        if self._ticker is not None:
            self._ticker.cancel()

    def refreshed(self) -> None:
        now = time.perf_counter()
        for item in list(self.waiting):
            condition, future = item
            if future.done():
                self.waiting.remove(item)
                continue
            try:
                holds = condition()
            except Exception:  # the pane is not mounted yet, or is being replaced
                holds = False
            if holds:
                future.set_result(now)
                self.waiting.remove(item)

    def when(self, condition) -> asyncio.Future:
        """A future set to the time of the first refresh at which ``condition()`` holds."""
        future = asyncio.get_running_loop().create_future()
        self.waiting.append((condition, future))
        return future

    async def until(self, condition, timeout: float) -> float | None:
        future = self.when(condition)
        try:
            return await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            return None

    def start_ticker(self) -> None:
        async def tick():
            while True:
                start = time.perf_counter()
                await asyncio.sleep(0.005)
                self.longest_hold = max(self.longest_hold, time.perf_counter() - start - 0.005)

        self._ticker = asyncio.ensure_future(tick())


def listing_page_times() -> dict[str, list[float]]:
    """When each page of each listing reached its caller (``Manager.lsPages``), by manager path."""
    from stowtui.managers.manager import Manager

    times: dict[str, list[float]] = {}
    original = Manager.lsPages

    def lsPages(self, path="/", refresh=None):
        found = times.setdefault(self.normalise(path), [])
        for page in original(self, path, refresh):
            found.append(time.perf_counter())
            yield page

    Manager.lsPages = lsPages
    return times


# Reporting from a case process ----------------------------------------------


def emit(report: dict) -> None:
    """The case's results so far, one JSON line (the parent keeps the last one)."""
    print(json.dumps(report), flush=True)


def summary(samples: list[float | None]) -> dict:
    done = [s for s in samples if s is not None]
    return {
        "n": len(samples),
        "median_ms": round(statistics.median(done) * 1000, 1) if done else None,
        "worst_ms": round(max(done) * 1000, 1) if done else None,
        "unanswered": len(samples) - len(done),
    }


def ms(seconds: float | None) -> float | None:
    return round(seconds * 1000, 1) if seconds is not None else None


def s(seconds: float | None) -> float | None:
    return round(seconds, 3) if seconds is not None else None


# Big listings: synthetic and S3 ---------------------------------------------


class Probe:
    """One app over a big level: the screen's conditions, the key probes and what they found."""

    def __init__(self, app, names: list[str], report: dict, deadline: float):
        self.app = app
        self.total = len(names)
        self.expected = sum(1 for n in names if FILTER in n.lower())
        self.report = report
        self.deadline = deadline
        self.watch = Watch()
        self.page_times = listing_page_times()
        self.latencies: dict[str, list[float | None]] = {}
        self.presses: list[asyncio.Future] = []
        self.all_rows: asyncio.Future | None = None
        self.finished = threading.Event()

    # What the harness reads of the pane (its stable surface).

    def pane(self):
        return self.app.screen.right

    def rows(self) -> int:
        return len(self.pane().tree.root.children)

    def state(self) -> str:
        return entry(self.pane().tree.root).state

    def filling(self) -> bool:
        """Until a refresh shows the whole level (a round of probes ends with the filter cleared)."""
        return not self.all_rows.done()

    def remaining(self) -> float:
        return max(0.1, self.deadline - time.perf_counter())

    def current(self, stage: str) -> dict:
        """The results so far (a new dict: the watchdog thread reads them too)."""
        return {
            **dict(self.report),
            "stage": stage,
            "keys_while_filling": {k: summary(list(v)) for k, v in list(self.latencies.items())},
            "longest_loop_hold_ms": ms(self.watch.longest_hold),
            "peak_rss_mb": round(rss_peak_mb()),
            "rss_now_mb": round(rss_now_mb()),
        }

    def publish(self, stage: str) -> None:
        emit(self.current(stage))

    def start_watchdog(self, grace: float = 5.0) -> None:
        """Out of time while the app holds the event loop (a long page add or rebuild), no
        timeout there can fire: this thread reports the results so far and ends the process."""

        def watchdog():
            if not self.finished.wait(self.remaining() + grace):
                emit(self.current("timed out (the event loop was held)"))
                os._exit(TIMED_OUT)

        threading.Thread(target=watchdog, daemon=True).start()

    def press(self, pilot, key: str) -> None:
        """Send a key now; not awaited: ``pilot.press`` then waits for the screen to take every
        pending message (page adds included), which is not what the key waits for."""
        self.presses.append(asyncio.ensure_future(pilot.press(key)))

    async def seen(self, condition, limit: float = PROBE_TIMEOUT) -> float | None:
        """The time of the first refresh at which ``condition`` holds; out of time: TimeoutError."""
        found = await self.watch.until(condition, min(limit, self.remaining()))
        if found is None and time.perf_counter() >= self.deadline:
            raise asyncio.TimeoutError
        return found

    async def key(self, pilot, key: str, condition) -> None:
        start = time.perf_counter()
        self.press(pilot, key)
        found = await self.seen(condition)
        name = key if len(key) > 1 else "filter character"
        self.latencies.setdefault(name, []).append(found - start if found is not None else None)
        await asyncio.sleep(KEY_GAP)  # pacing, as a person types

    async def cursor_key(self, pilot, key: str) -> None:
        before = self.pane().tree.cursor_line
        await self.key(pilot, key, lambda: self.pane().tree.cursor_line != before)

    async def open_filter(self) -> None:
        await self.pane().start_filter()
        await self.seen(lambda: self.pane().filter_box.has_focus)

    # The case.

    async def run(self, start: float) -> None:
        watch, report = self.watch, self.report
        watch.install()
        first_rows = watch.when(lambda: self.rows() > 0)
        self.all_rows = watch.when(lambda: self.state() == "loaded" and self.rows() == self.total
                                   and not self.pane().filter_box.value)
        try:
            async with self.app.run_test(size=SIZE) as pilot:
                watch.start_ticker()
                shown = await asyncio.wait_for(first_rows, self.remaining())
                report["first_rows_s"] = s(shown - start)
                directory = self.pane().directory
                path = directory.path if directory is not None else None
                first_page = (self.page_times.get(path) or [None])[0]
                report["first_page_s"] = s(first_page - start) if first_page else None
                self.publish("first rows")
                await self.while_filling(pilot, start)
                loaded = await asyncio.wait_for(asyncio.shield(self.all_rows), self.remaining())
                report["all_rows_s"] = s(loaded - start)
                report["rows"] = self.rows()
                report["pages_listed"] = len(self.page_times.get(path, []))
                self.publish("all rows")
                await self.filter_when_loaded(pilot)
                self.publish("done")
                for pressing in self.presses:
                    pressing.cancel()  # only waiting for the screen to be idle: the keys were sent
        finally:
            watch.uninstall()

    async def while_filling(self, pilot, start: float) -> None:
        """Rounds of cursor keys, then a filter character and Escape, until all rows show."""
        if not self.pane().tree.has_focus:
            self.pane().tree.focus()
            await self.seen(lambda: self.pane().tree.has_focus)
        rounds = 0
        while self.filling() and self.state() != "error":
            for key in CYCLE:
                if not self.filling():
                    return
                await self.cursor_key(pilot, key)
            if not self.filling():
                return
            await self.open_filter()
            await self.key(pilot, "7", lambda: self.pane().filter_box.value == "7")
            await self.key(pilot, "escape", lambda: self.pane().filter_box.value == "")
            rounds += 1
            if rounds % 5 == 0:
                self.report["rows_now"] = self.rows()
                self.report["elapsed_s"] = s(time.perf_counter() - start)
                self.publish("filling")

    async def filter_when_loaded(self, pilot) -> None:
        """Type FILTER until exactly its rows show; Escape until all rows show again."""
        report = self.report
        await self.open_filter()
        typed = ""
        first_key = before = None
        for character in FILTER:
            typed += character
            before = time.perf_counter()
            first_key = first_key or before
            self.press(pilot, character)
            echo = await self.seen(lambda t=typed: self.pane().filter_box.value == t)
            report.setdefault("filter_echo_after_loading_ms", []).append(ms(echo - before) if echo else None)
        filtered = await self.seen(lambda: self.pane().filter_box.value == FILTER and self.rows() == self.expected,
                                   self.remaining())
        report["filter_rows_expected"] = self.expected
        report["filter_from_first_key_s"] = s(filtered - first_key) if filtered else None
        report["filter_from_last_key_s"] = s(filtered - before) if filtered else None
        self.publish("filtered")
        before = time.perf_counter()
        self.press(pilot, "escape")
        cleared = await self.seen(lambda: not self.pane().filter_box.value and self.rows() == self.total,
                                  self.remaining())
        report["clear_s"] = s(cleared - before) if cleared else None


async def big_listing(url: str, names: list[str], report: dict, deadline: float) -> dict:
    """Launch with the right pane on ``url`` (a level of ``names``) and measure it (``Probe``)."""
    from stowtui.app import StowApp

    try:
        with tempfile.TemporaryDirectory(prefix="stowtui-ui-") as small:  # the left pane's
            start = time.perf_counter()
            probe = Probe(StowApp(small, url), names, report, deadline)
            probe.start_watchdog()
            await probe.run(start)
            probe.finished.set()
            return probe.current("done")
    except asyncio.TimeoutError:
        # Out of time: report what was measured and leave at once (ending the app
        # cleanly could take as long again).
        probe.publish("timed out")
        os._exit(TIMED_OUT)


def synthetic_case(count: int, deadline: float, delay: float = 0.0) -> None:
    import synthetic

    from stowtui.managers import registry

    synthetic.install()
    registry.set_defaults("synthetic", delay=delay)
    report = {"case": f"synthetic:///{count}", "entries": count, "page_delay_s": delay}
    names = [synthetic.entry_name(i) for i in range(count)]
    asyncio.run(big_listing(f"synthetic:///{count}", names, report, deadline))


def s3_case(count: int, deadline: float, delay: float = 0.0) -> None:
    from listing import Server

    from stowtui.managers import registry

    report = {"case": f"S3 prefix of {count} keys (moto, loopback)", "entries": count}
    with Server() as server:
        registry.set_defaults("s3", endpoint_url=server.endpoint_url)
        seeding = time.perf_counter()
        prefix = server.seed(count)
        report["seeding_s (not timed)"] = s(time.perf_counter() - seeding)
        server.clear_counts()
        names = [f"{i:07d}.log" for i in range(count)]  # listing.serve's keys
        deadline += time.perf_counter() - seeding
        final = asyncio.run(big_listing(f"s3://bench/{prefix}", names, report, deadline))
        emit({**final, "list_requests": server.counts["ListObjectsV2"]})


# A local directory -------------------------------------------------------------


def local_folder(folder: str, files: int) -> list[str]:
    """``files`` one-byte files, created in a shuffled order (scandir order is not name order)."""
    names = [f"file-{i:06d}.txt" for i in range(files)]
    shuffled = names[:]
    random.Random(11).shuffle(shuffled)
    for name in shuffled:
        with open(os.path.join(folder, name), "w") as handle:
            handle.write("x")
    return names


async def local(folder: str, names: list[str], report: dict) -> None:
    with tempfile.TemporaryDirectory(prefix="stowtui-ui-") as small:
        with open(os.path.join(small, "a.txt"), "w") as handle:
            handle.write("x")
        await local_session(small, folder, names, report)


async def local_session(small: str, folder: str, names: list[str], report: dict) -> None:
    from stowtui.app import StowApp

    watch = Watch()
    watch.install()
    try:
        start = time.perf_counter()
        app = StowApp(small, small)
        async with app.run_test(size=SIZE):
            pane = app.screen.right
            painted = await watch.until(lambda: entry(pane.tree.root).state == "loaded"
                                        and len(pane.tree.root.children) == 1, 60)
            report["app_start_to_local_listing_s (in-process)"] = s(painted - start) if painted else None
            watch.start_ticker()
            watch.longest_hold = 0.0
            start = time.perf_counter()
            pane.open(folder)
            root = pane.tree.root  # a new root for the new directory
            first = watch.when(lambda: pane.tree.root is root and len(root.children) > 0)
            done = watch.when(lambda: pane.tree.root is root and entry(root).state == "loaded"
                              and len(root.children) == len(names))
            seen_first = await asyncio.wait_for(first, 600)
            seen_done = await asyncio.wait_for(done, 600)
            report["first_rows_s"] = s(seen_first - start)
            report["complete_s"] = s(seen_done - start)
            report["rows"] = len(root.children)
            shown = [getattr(getattr(entry(child), "artefact", None), "basename", None) for child in root.children]
            if None in shown:
                report["sorted"] = "not checked (rows do not expose their artefact)"
            else:
                assert shown == sorted(names, key=str.lower), "not sorted"
                report["sorted"] = True
            report["longest_loop_hold_ms"] = ms(watch.longest_hold)
    finally:
        watch.uninstall()


def local_case(files: int, deadline: float, delay: float = 0.0) -> None:
    report = {"case": f"local directory of {files} files", "files": files}
    with tempfile.TemporaryDirectory() as folder:
        names = local_folder(folder, files)
        start = time.perf_counter()
        subprocess.run(["ls", "-l", folder], stdout=subprocess.DEVNULL, check=True)
        report["ls_l_s (same run)"] = s(time.perf_counter() - start)
        asyncio.run(local(folder, names, report))
        report["peak_rss_mb"] = round(rss_peak_mb())
        emit(report)


CASES = {"synthetic": synthetic_case, "s3": s3_case, "local": local_case}


# The parent: one process per case, with a time limit ------------------------------


def run_case(kind: str, size: int, timeout: float, delay: float) -> dict:
    """Run one case in a new process (and process group); its last report, and whether it finished."""
    command = [sys.executable, os.path.abspath(__file__), "--case", kind, str(size), "--timeout", str(timeout),
               "--page-delay", str(delay)]
    errors = tempfile.TemporaryFile()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, start_new_session=True)
    last: dict = {"case": f"{kind} {size}"}
    buffer = b""
    deadline = time.monotonic() + timeout + 60  # the case stops itself; this is the backstop
    finished = False
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 1.0)
        if not ready:
            if process.poll() is not None:
                finished = True
                break
            continue
        chunk = os.read(process.stdout.fileno(), 65536)
        if not chunk:
            finished = True
            break
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            if line.startswith(b"{"):
                last = json.loads(line)
    try:
        # The case's own process group: it if still running, and what it started (its server).
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    returncode = process.wait()
    if not finished or returncode == TIMED_OUT:
        last["status"] = f"did not finish in {timeout:.0f} s"
    elif returncode != 0:
        errors.seek(0)
        last["status"] = f"failed (exit {returncode}): " + errors.read().decode(errors="replace")[-2000:]
    errors.close()
    return last


def case_main(kind: str, size: int, timeout: float, delay: float) -> None:
    deadline = time.perf_counter() + timeout
    runner = CASES[kind]
    try:
        runner(size, deadline, delay)
    except asyncio.TimeoutError:
        sys.exit(TIMED_OUT)


def machine() -> str:
    import platform

    import textual

    cpu = "?"
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"{cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, textual {textual.__version__}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, nargs="*", help="synthetic:///N sizes (default 1000000)")
    parser.add_argument("--keys", type=int, nargs="*", help="S3 prefix sizes, moto (default 100000)")
    parser.add_argument("--local", type=int, nargs="*", help="files in a local directory (default 20000)")
    parser.add_argument("--startup", type=int, metavar="RUNS", help="start-up runs of each program (default 7)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds a case may take (default 600)")
    parser.add_argument("--page-delay", type=float, default=0.0, metavar="SECONDS",
                        help="synthetic: a sleep before each page, standing for a round trip (default 0)")
    parser.add_argument("--case", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        case_main(args.case[0], int(args.case[1]), args.timeout, args.page_delay)
        return
    # No case named: all of them, at their default sizes; otherwise only those named
    # (``--keys`` alone, without a size, runs the S3 case at its default size).
    chosen = [args.entries, args.keys, args.local, args.startup]
    everything = all(option is None for option in chosen)
    for name, default in (("entries", [1_000_000]), ("keys", [100_000]), ("local", [20_000])):
        value = getattr(args, name)
        setattr(args, name, default if everything or value == [] else value or [])
    args.startup = 7 if everything else args.startup or 0
    print(f"# {machine()}; {time.strftime('%Y-%m-%d')}", flush=True)
    for kind, sizes in (("local", args.local), ("synthetic", args.entries), ("s3", args.keys)):
        for size in sizes:
            print(json.dumps(run_case(kind, size, args.timeout, args.page_delay)), flush=True)
    if args.startup:
        import startup

        measured = startup.measure(args.startup)
        print(json.dumps({"case": "start-up (pty, launch to first paint)", **measured}), flush=True)


if __name__ == "__main__":
    main()
