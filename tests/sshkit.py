"""A private sshd on 127.0.0.1 for end-to-end tests over a real SSH session.

It has its own host key and authorized key in a temporary folder, listens on
a free loopback port, and is stopped (and its folder removed) by the fixture.
The client side is a plain ``ssh`` command line that trusts exactly that host
key (``StrictHostKeyChecking=yes`` against a known_hosts file made here).
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


class SSHServer:
    def __init__(self, extra_config: str = ""):
        self.extra_config = extra_config  # more sshd_config lines (``MaxSessions 2``...)
        self.folder = tempfile.mkdtemp(prefix="stowtui-sshd-")
        self.port = 0
        self.user = getpass.getuser()
        self._process: subprocess.Popen | None = None

    def _path(self, name: str) -> str:
        return os.path.join(self.folder, name)

    def start(self) -> "SSHServer":
        for key in ("host_key", "client_key"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", self._path(key)], check=True)
        shutil.copy(self._path("client_key.pub"), self._path("authorized_keys"))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        with open(self._path("sshd_config"), "w") as config:
            config.write(
                f"Port {self.port}\nListenAddress 127.0.0.1\n"
                f"HostKey {self._path('host_key')}\nAuthorizedKeysFile {self._path('authorized_keys')}\n"
                f"PidFile {self._path('sshd.pid')}\n"
                "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
                "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
                "Subsystem sftp internal-sftp\n" + self.extra_config
            )
        with open(self._path("host_key.pub")) as public:
            host_key = public.read().split()[:2]
        with open(self._path("known_hosts"), "w") as known:
            known.write(f"[127.0.0.1]:{self.port} {' '.join(host_key)}\n")
        os.makedirs("/run/sshd", exist_ok=True)  # sshd's privilege separation directory
        self._process = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", self._path("sshd_config")],
            stdout=subprocess.DEVNULL, stderr=open(self._path("sshd.log"), "wb"),
        )
        self._wait_listening()
        return self

    def _wait_listening(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"sshd exited: {open(self._path('sshd.log')).read()}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)  # polling interval of a deadline-bounded wait for the port
        raise RuntimeError("sshd did not start listening")

    def command(self, remote: str, tty: bool = True) -> list[str]:
        """The ssh command line that runs ``remote`` on this server."""
        return [
            "ssh", *(["-t"] if tty else []), "-p", str(self.port), "-i", self._path("client_key"),
            "-o", f"UserKnownHostsFile={self._path('known_hosts')}", "-o", "StrictHostKeyChecking=yes",
            "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", f"{self.user}@127.0.0.1", remote,
        ]

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
            self._process = None
        shutil.rmtree(self.folder, ignore_errors=True)


def sshd_available() -> bool:
    return os.path.exists(SSHD)


@pytest.fixture
def sshd():
    if not sshd_available():
        pytest.fail("sshd is not installed: .ci/run installs openssh-server (apt-get install openssh-server)")
    server = SSHServer().start()
    yield server
    server.stop()


def write_ssh_config(server: SSHServer, home, alias: str = "myhost", extra: str = "",
                     known_hosts: str | None = None) -> str:
    """A ``~/.ssh/config`` under ``home`` with ``Host alias`` → this server (port, user,
    IdentityFile, UserKnownHostsFile); ``extra`` lines are added to the block. Returns its path."""
    folder = os.path.join(str(home), ".ssh")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    path = os.path.join(folder, "config")
    with open(path, "a") as config:
        config.write(
            f"Host {alias}\n"
            f"  HostName 127.0.0.1\n  Port {server.port}\n  User {server.user}\n"
            f"  IdentityFile {server._path('client_key')}\n  IdentitiesOnly yes\n"
            f"  UserKnownHostsFile {known_hosts or server._path('known_hosts')}\n"
            + "".join(f"  {line.strip()}\n" for line in extra.splitlines() if line.strip())
        )
    return path


@pytest.fixture
def ssh_home(sshd, tmp_path, monkeypatch):
    """A temporary ``HOME`` whose ``~/.ssh/config`` has ``Host myhost`` → the private sshd.

    No ssh-agent is reachable (``SSH_AUTH_SOCK`` unset), so only the fixture's key logs in.
    """
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    write_ssh_config(sshd, home)
    return home
