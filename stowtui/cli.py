"""``stowtui [LEFT] [RIGHT]``: parse the command line and run the app."""

from __future__ import annotations

import argparse
import gc
import os
import sys

DESCRIPTION = """\
A two-pane file manager for local disk, S3, other machines over SSH, and any
storage manager plug-in or fsspec filesystem.

LEFT and RIGHT are paths or URLs: /data, ~/logs, file:///tmp, s3://bucket/prefix/,
s3:// alone for the list of buckets, sftp://host/path (a Host of ~/.ssh/config),
or any scheme fsspec knows (gs://, az://... with their package installed).
@NAME opens the bookmark NAME of the config file (see "Saved locations" in the README).
Without them: the current directory and your home directory.
"""

EPILOG = """\
S3 connections follow the standard AWS configuration: the credential chain,
AWS_PROFILE, AWS_REGION and AWS_ENDPOINT_URL; the config file's [s3] section
overrides them, and the options below override both.
Config file: $STOWTUI_CONFIG, or config.toml in your XDG config directory.

Keys: Tab switches pane, F5/c copy, F6/m move, F7/n mkdir, F8/d delete,
F3/v view, Ctrl+\\ bookmarks, w jobs, ? help, q quit. Drag entries onto the other pane to copy.
"""


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < 3600:
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0 and below 3600, not {text!r}")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="stowtui", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("left", nargs="?", help="left pane location or @bookmark (default: the current directory)")
    parser.add_argument("right", nargs="?", help="right pane location or @bookmark (default: your home directory)")
    s3 = parser.add_argument_group("S3")
    s3.add_argument("--endpoint-url", help="S3-compatible endpoint (MinIO, Ceph, R2...): http://host:9000")
    s3.add_argument("--profile", help="AWS profile from ~/.aws/config")
    s3.add_argument("--region", help="AWS region, e.g. eu-west-1")
    s3.add_argument("--path-style", action="store_true", default=None, help="use path-style addressing")
    s3.add_argument("--unsigned", action="store_true", default=None, help="anonymous access (public buckets)")
    s3.add_argument(
        "--timeout", type=_seconds, metavar="SECONDS",
        help="how long to wait for an answer from S3 before trying again (default: 8; "
             "3 attempts, so a silent endpoint is reported within 30 s); raise it for slow links",
    )
    parser.add_argument(
        "--demo", action="store_true",
        help="start an embedded S3 server on 127.0.0.1 with a sample bucket, and open it "
             "beside the current directory (needs the 'demo' extra: pip install 'stowtui[demo]')",
    )
    parser.add_argument(
        "--workers", type=int, default=None, metavar="N",
        help="requests in flight at most, for all jobs together: one per small file, one per part of a "
             "big one (default: 64; fewer while S3 answers SlowDown)",
    )
    return parser.parse_args(argv)


def load_config():
    """The config file's settings, and why it could not be used (``None`` when it could)."""
    from . import config as configuration

    try:
        return configuration.load(), None
    except configuration.ConfigError as error:
        # No path: bookmarks added in this session are not written over the broken file.
        return configuration.Config(), f"{error} — using the defaults"


def main(argv: list[str] | None = None) -> int:
    # No garbage collection until the first screen is drawn (StowApp.started): importing
    # Textual and building the screen make hundreds of thousands of objects and few cycles,
    # and CPython's collections over them were a fifth of the time to the first paint.
    gc.disable()
    try:
        return _main(argv)
    finally:
        gc.enable()


def _main(argv: list[str] | None) -> int:
    args = parse_args(argv)
    from .managers import registry

    from .managers.connections import WORKERS, pool_connections
    from .text import set_timezone

    config, problem = load_config()
    try:
        args.left, args.right = (config.resolve(a) if a else a for a in (args.left, args.right))
    except KeyError as error:
        print(f"stowtui: {error.args[0]}", file=sys.stderr)
        return 2
    set_timezone(config.timezone)
    left = args.left or os.getcwd()
    right = args.right or os.path.expanduser("~")
    workers = WORKERS if args.workers is None else max(1, args.workers)
    pool = pool_connections(workers)  # a connection for each request in flight
    server = None
    if args.demo:
        try:
            from .demo import DemoServer
        except ImportError as error:
            print(f"stowtui: --demo needs moto: pip install 'stowtui[demo]' ({error})", file=sys.stderr)
            return 2
        server = DemoServer().start()
        registry.set_defaults("s3", **server.config, timeout=args.timeout, max_pool_connections=pool)
        left = args.left or os.getcwd()
        right = args.right or server.url
    else:
        options = dict(endpoint_url=args.endpoint_url, profile=args.profile, region=args.region,
                       path_style=args.path_style, unsigned=args.unsigned, timeout=args.timeout)
        s3 = {**config.s3, **{k: v for k, v in options.items() if v is not None}}  # the options win
        registry.set_defaults("s3", **s3, max_pool_connections=pool)
    for prefix, settings in config.locations.items():
        registry.set_location_defaults(prefix, **settings)
    from .app import StowApp
    from .jobs import JobQueue

    try:
        banner = f"S3 endpoint {server.endpoint_url}, bucket {server.url}" if server is not None else None
        app = StowApp(left, right, jobs=JobQueue(workers=workers, journal=True), banner=banner, config=config,
                      config_error=problem)
        app.run()
        app.detacher.wait()  # the terminal went away with jobs running: they end first
    finally:
        if server is not None:
            server.stop()
    return 0
