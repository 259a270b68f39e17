"""SSH for the SFTP manager: ``~/.ssh/config``, known hosts, and a pool of SFTP channels.

Everything a person already set up for ``ssh`` applies: ``HostName``,
``User``, ``Port``, ``IdentityFile``, ``IdentitiesOnly``, ``ProxyCommand``,
``ProxyJump``, ``UserKnownHostsFile``, ``ConnectTimeout``,
``ServerAliveInterval`` and ``Compression`` are read from ``~/.ssh/config``
(paramiko's parser, so ``Host``/``Match`` blocks and ``%h``-style tokens work)
each time a connection is opened. Keys come from the agent, the config's
``IdentityFile`` or the default ``~/.ssh/id_*`` files.

Host keys are checked against ``~/.ssh/known_hosts`` (or the config's
``UserKnownHostsFile``) and ``/etc/ssh/ssh_known_hosts``. An unknown host is
refused (a ``RejectPolicy``), whatever ``StrictHostKeyChecking`` says: the
error carries the host and the key's fingerprint, so that a UI can ask later.

One SSH connection per manager; its SFTP channels are a small pool that
threads borrow for one operation at a time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import getpass
import logging
import os
import socket
import threading
from typing import Iterator

from .. import exceptions
from .hostkeys import DEFAULT_KNOWN_HOSTS, HostKeyMismatch, UnknownHostKey, fingerprint

DEFAULT_PORT = 22
CONNECT_TIMEOUT = 15.0
#: A channel whose server says nothing for this long is given up (a dead link).
IO_TIMEOUT = 60.0
KEEPALIVE = 30
MAX_JUMPS = 8
GLOBAL_KNOWN_HOSTS = ("/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2")

# paramiko logs refusals it also raises (a session refused...) at ERROR; with no handler set up,
# Python would print them on stderr, over the app's screen. What matters reaches the caller as
# an error with a sentence; an application that configures logging still gets paramiko's records.
logging.getLogger("paramiko").addHandler(logging.NullHandler())


# ----------------------------------------------------------------------
# Settings: what ~/.ssh/config says about a host
# ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Settings:
    """How to reach one host, after ``~/.ssh/config``."""

    alias: str  # the name as the user wrote it (``myhost``)
    hostname: str
    port: int
    user: str
    identity_files: tuple[str, ...] = ()
    identities_only: bool = False
    known_hosts: tuple[str, ...] = DEFAULT_KNOWN_HOSTS
    global_known_hosts: tuple[str, ...] = GLOBAL_KNOWN_HOSTS
    proxy_command: str | None = None
    proxy_jump: str | None = None
    connect_timeout: float = CONNECT_TIMEOUT
    keepalive: int = KEEPALIVE
    compression: bool = False
    #: The ``ssh`` command that reaches this host as the URL said (for advice in errors).
    ssh_command: str = ""

    @property
    def host_key_name(self) -> str:
        """The name known_hosts files use for this host (``[host]:port`` off port 22)."""
        return self.hostname if self.port == DEFAULT_PORT else f"[{self.hostname}]:{self.port}"

    @property
    def where(self) -> str:
        return self.hostname if self.port == DEFAULT_PORT else f"{self.hostname} port {self.port}"


def config_path() -> str:
    return os.path.expanduser("~/.ssh/config")


def _load_config():
    import paramiko

    path = config_path()
    if not os.path.isfile(path):
        return paramiko.SSHConfig()
    try:
        return paramiko.SSHConfig.from_path(path)
    except (OSError, ValueError, paramiko.SSHException) as error:
        raise exceptions.InvalidPath(f"Cannot read {path}: {error}") from error


def _files(value, default: tuple[str, ...]) -> tuple[str, ...]:
    if not value:
        return default
    names = value.split() if isinstance(value, str) else list(value)
    return tuple(os.path.expanduser(name) for name in names if name.lower() != "none")


def read_settings(alias: str, user: str | None = None, port: int | None = None,
                  identity_file: str | None = None) -> Settings:
    """What ``~/.ssh/config`` (read now) says about ``alias``; ``user``/``port`` given in a URL win."""
    options = _load_config().lookup(alias)
    try:
        resolved_port = int(port or options.get("port") or DEFAULT_PORT)
        timeout = float(options.get("connecttimeout") or CONNECT_TIMEOUT)
        keepalive = int(options.get("serveraliveinterval") or KEEPALIVE)
    except ValueError as error:
        raise exceptions.InvalidPath(f"Cannot use the settings of {alias} in {config_path()}: {error}") from error
    identities = [os.path.expanduser(path) for path in options.get("identityfile", [])]
    if identity_file:
        identities.insert(0, os.path.expanduser(identity_file))
    proxy_command = options.get("proxycommand")
    proxy_jump = options.get("proxyjump")
    return Settings(
        alias=alias,
        hostname=options.get("hostname") or alias,
        port=resolved_port,
        user=user or options.get("user") or getpass.getuser(),
        identity_files=tuple(identities),
        identities_only=str(options.get("identitiesonly", "no")).lower() == "yes",
        known_hosts=_files(options.get("userknownhostsfile"), tuple(os.path.expanduser(p) for p in DEFAULT_KNOWN_HOSTS)),
        global_known_hosts=_files(options.get("globalknownhostsfile"), GLOBAL_KNOWN_HOSTS),
        proxy_command=None if not proxy_command or proxy_command.lower() == "none" else proxy_command,
        proxy_jump=None if not proxy_jump or proxy_jump.lower() == "none" else proxy_jump,
        connect_timeout=timeout,
        keepalive=keepalive,
        compression=str(options.get("compression", "no")).lower() == "yes",
        ssh_command=ssh_command(alias, user, port),
    )


def ssh_command(alias: str, user: str | None = None, port: int | None = None) -> str:
    """The ``ssh`` command line that reaches a host as a URL named it (for advice in errors)."""
    return "ssh " + (f"-p {port} " if port else "") + (f"{user}@" if user else "") + alias


def parse_hop(hop: str) -> tuple[str, str | None, int | None]:
    """``[user@]host[:port]`` (or ``ssh://...``) of one ProxyJump hop: (host, user, port)."""
    hop = hop.strip()
    if hop.startswith("ssh://"):
        hop = hop[len("ssh://"):].rstrip("/")
    user, at, hostport = hop.rpartition("@")
    host, port = split_host_port(hostport)
    return host, (user if at else None), port


def split_host_port(text: str) -> tuple[str, int | None]:
    """``host``, ``host:22``, ``[::1]`` or ``[::1]:22`` → (host, port or None)."""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    else:
        host, port = text, ""
    if port and not port.isdigit():
        raise exceptions.InvalidPath(f"'{port}' is not a port number (in {text})")
    return host, (int(port) if port else None)


# ----------------------------------------------------------------------
# Opening a connection: host key check, proxies, keys
# ----------------------------------------------------------------------


def _refusing_policy(settings: Settings):
    import paramiko

    class Refuse(paramiko.RejectPolicy):
        """paramiko's RejectPolicy, raising an error that says what to do and carries the key."""

        def missing_host_key(self, client, hostname, key):
            client.close()
            files = " or ".join(settings.known_hosts) or "no known_hosts file"
            raise UnknownHostKey(
                f"The host key of {settings.where} is not known ({key.get_name()} {fingerprint(key)}), "
                f"so stowtui will not connect: it is not in {files}. If this is the machine you mean, "
                f"run `{settings.ssh_command}` once, check the fingerprint and accept it, then try again",
                host=settings.hostname, port=settings.port, key_type=key.get_name(),
                fingerprint=fingerprint(key), known_hosts=settings.known_hosts,
                key=key, entry=settings.host_key_name,
            )

    return Refuse()


def _handshake(settings: Settings, sock=None):
    """One SSH login (over ``sock`` when given): host key checked, then keys tried."""
    import paramiko

    client = paramiko.SSHClient()
    for path in settings.known_hosts + settings.global_known_hosts:
        if os.path.isfile(path):
            try:
                client.load_system_host_keys(path)
            except (OSError, paramiko.SSHException, ValueError) as error:
                raise exceptions.InvalidPath(f"Cannot read the known hosts file {path}: {error}") from error
    client.set_missing_host_key_policy(_refusing_policy(settings))
    keys = [path for path in settings.identity_files if os.path.isfile(path)]
    try:
        client.connect(
            settings.hostname,
            settings.port,
            username=settings.user,
            key_filename=keys or None,
            allow_agent=not (settings.identities_only and keys),
            look_for_keys=not keys,
            timeout=settings.connect_timeout,
            banner_timeout=settings.connect_timeout,
            auth_timeout=settings.connect_timeout,
            channel_timeout=settings.connect_timeout,
            sock=sock,
            compress=settings.compression,
        )
    except paramiko.BadHostKeyException as error:
        client.close()
        raise HostKeyMismatch(
            f"The host key of {settings.where} has changed: it offered {error.key.get_name()} "
            f"{fingerprint(error.key)}, but {fingerprint(error.expected_key)} is saved for it. "
            "stowtui will not connect, since someone may be impersonating the host. If the change is "
            f"expected (the machine was reinstalled), remove the old key with "
            f"`ssh-keygen -R '{settings.host_key_name}'`, then run `{settings.ssh_command}` once and try again",
            host=settings.hostname, port=settings.port, key_type=error.key.get_name(),
            fingerprint=fingerprint(error.key), expected_fingerprint=fingerprint(error.expected_key),
            known_hosts=settings.known_hosts,
        ) from error
    except BaseException:
        client.close()
        raise
    transport = client.get_transport()
    if settings.keepalive > 0:
        transport.set_keepalive(settings.keepalive)
    return client


def _tunnel(client, settings: Settings):
    """A ``direct-tcpip`` channel through ``client`` to the next host (a ProxyJump hop)."""
    import paramiko

    try:
        return client.get_transport().open_channel(
            "direct-tcpip", (settings.hostname, settings.port), ("127.0.0.1", 0),
            timeout=settings.connect_timeout,
        )
    except paramiko.ChannelException as error:
        raise exceptions.BackendError(
            f"Cannot connect to {settings.where}: the jump host refused to open a connection to it "
            f"({error.text or error})"
        ) from error


def open_client(settings: Settings, depth: int = 0):
    """A logged-in ``paramiko.SSHClient`` for ``settings``, and what to close with it (proxies, jump hosts)."""
    import paramiko

    extra: list = []
    try:
        sock = None
        if settings.proxy_jump:
            if depth >= MAX_JUMPS:
                raise exceptions.InvalidPath(
                    f"Cannot connect to {settings.alias}: more than {MAX_JUMPS} ProxyJump hops (a loop in {config_path()}?)"
                )
            hops = [hop for hop in settings.proxy_jump.split(",") if hop.strip()]
            client, more = open_client(read_settings(*parse_hop(hops[0])), depth + 1)
            extra += more + [client]
            for hop in hops[1:]:
                hop_settings = dataclasses.replace(
                    read_settings(*parse_hop(hop)), proxy_jump=None, proxy_command=None
                )
                client = _handshake(hop_settings, _tunnel(client, hop_settings))
                extra.append(client)
            sock = _tunnel(client, settings)
        elif settings.proxy_command:
            sock = paramiko.ProxyCommand(settings.proxy_command)
            extra.append(sock)
        return _handshake(settings, sock), extra
    except BaseException:
        for item in reversed(extra):
            with contextlib.suppress(Exception):
                item.close()
        raise


# ----------------------------------------------------------------------
# Errors: paramiko, socket and SFTP status errors → sentences
# ----------------------------------------------------------------------


class LostConnection(Exception):
    """Raised by the pool when an operation failed because its channel or connection is gone
    (paramiko then raises plain ``OSError("Socket is closed")`` and the like)."""


def _is_connection_error(error: BaseException) -> bool:
    """True when ``error`` means the SSH connection (or a channel of it) is gone or stuck."""
    import paramiko

    if isinstance(error, (paramiko.SSHException, EOFError, TimeoutError, ConnectionError, socket.timeout)):
        return True
    return isinstance(error, OSError) and error.errno in (32, 54, 104, 110)  # EPIPE, ECONNRESET, ETIMEDOUT


@contextlib.contextmanager
def ssh_errors(action: str, where: str, settings_hint: str = "") -> Iterator[None]:
    """Turn paramiko, socket and SFTP errors into the storage error a person can act on.

    ``where`` names what was being worked on (a URL); connection failures name the host.
    """
    import paramiko

    try:
        yield
    except exceptions.StowError:
        raise
    except paramiko.PasswordRequiredException as error:
        raise exceptions.OperationNotPermitted(
            f"Cannot {action} {where}: the private key is protected by a passphrase, which stowtui cannot ask for; "
            "add it to your ssh-agent (`ssh-add`) and try again"
        ) from error
    except paramiko.AuthenticationException as error:
        raise exceptions.OperationNotPermitted(
            f"Cannot {action} {where}: the server accepted none of the keys tried (ssh-agent, IdentityFile "
            f"in ~/.ssh/config, ~/.ssh/id_*); check that {settings_hint or 'ssh'} logs in without a password"
        ) from error
    except paramiko.ProxyCommandFailure as error:
        raise exceptions.BackendError(
            f"Cannot {action} {where}: the ProxyCommand from ~/.ssh/config failed ({error})"
        ) from error
    except paramiko.ssh_exception.NoValidConnectionsError as error:
        raise exceptions.BackendError(
            f"Cannot {action} {where}: nothing answers on that host and port (is the SSH server running?)"
        ) from error
    except socket.gaierror as error:
        raise exceptions.BackendError(
            f"Cannot {action} {where}: the host name cannot be resolved ({error.strerror or error}); "
            "check the name, or its HostName in ~/.ssh/config"
        ) from error
    except (socket.timeout, TimeoutError) as error:
        raise exceptions.BackendTimeout(
            f"Cannot {action} {where}: the server did not answer in time; the connection is opened again on the next try"
        ) from error
    except EOFError as error:
        # SFTP's end-of-file status (a lost connection comes as an SSHException).
        raise exceptions.BackendError(
            f"Cannot {action} {where}: it ended sooner than expected (did it change while it was read?)"
        ) from error
    except paramiko.SSHException as error:
        raise exceptions.BackendError(
            f"Cannot {action} {where}: the SSH connection was lost or refused ({error or type(error).__name__}); "
            "it is opened again on the next try"
        ) from error
    except (ConnectionError, BrokenPipeError, LostConnection) as error:
        detail = getattr(error, "strerror", None) or error
        raise exceptions.BackendError(
            f"Cannot {action} {where}: the SSH connection was lost ({detail}); it is opened again on the next try"
        ) from error
    except UnicodeDecodeError as error:
        raise exceptions.BackendError(
            f"Cannot {action} {where}: a name there is not valid UTF-8, which stowtui cannot show over SFTP"
        ) from error
    except UnicodeEncodeError as error:
        raise exceptions.InvalidPath(f"Cannot {action} {where}: the name cannot be written as UTF-8") from error
    except OSError as error:
        if error.errno is None and error.args:
            # An SFTP status without an errno: the server's own words ("Failure",
            # "Operation unsupported"...), which say little: name the operation.
            raise exceptions.BackendError(
                f"Cannot {action} {where}: the SFTP server refused it ({error.args[0]})"
            ) from error
        from ..fs import os_errors

        with os_errors(action, where):
            raise error


# ----------------------------------------------------------------------
# The pool: one connection, a few SFTP channels
# ----------------------------------------------------------------------


def _channel_alive(sftp) -> bool:
    channel = sftp.get_channel()
    transport = channel.get_transport() if channel is not None else None
    return channel is not None and not channel.closed and transport is not None and transport.is_active()


class ChannelPool:
    """One SSH connection and at most ``size`` SFTP channels on it, shared by threads.

    ``with pool.channel() as sftp:`` borrows a channel for one operation (opening
    the connection, or opening it again after it was lost). A channel that saw
    its connection fail is closed rather than handed out again. If the server
    allows fewer sessions than ``size`` (``MaxSessions``), the pool shrinks to
    what it got.
    """

    def __init__(self, settings_factory, size: int = 8):
        self._settings_factory = settings_factory
        self.size = max(1, int(size))
        self._limit = self.size
        self._cond = threading.Condition()
        self._connect_lock = threading.Lock()
        self._client = None
        self._extra: list = []
        self._generation = 0
        self._idle: list[tuple[int, object]] = []
        self._open = 0  # channels in existence: idle, handed out, or being opened
        self.settings: Settings | None = None
        #: Temporary files a failed upload could not remove (the link was down): removed on reconnect.
        self.orphans: list[str] = []
        self.connections = 0  # how many times a connection was opened (tests, diagnostics)

    # The connection ------------------------------------------------------

    def _alive(self) -> bool:
        transport = self._client.get_transport() if self._client is not None else None
        return transport is not None and transport.is_active()

    def _connect(self) -> int:
        """Make sure the connection is up; return its generation."""
        with self._connect_lock:
            if self._alive():
                return self._generation
            self._drop_connection()
            settings = self.settings = self._settings_factory()
            client, extra = open_client(settings)
            with self._cond:
                self._client, self._extra, self.settings = client, extra, settings
                self._limit = self.size  # a new connection may have sessions to spare again
                self._generation += 1
                self.connections += 1
                return self._generation

    def _drop_connection(self) -> None:
        with self._cond:
            stale, self._idle = self._idle, []
            self._open -= len(stale)
            client, extra = self._client, self._extra
            self._client, self._extra = None, []
            self._cond.notify_all()
        for _, sftp in stale:
            with contextlib.suppress(Exception):
                sftp.close()
        for item in [client, *reversed(extra)]:
            if item is not None:
                with contextlib.suppress(Exception):
                    item.close()

    def close(self) -> None:
        """Close every channel and the connection (the next use opens a new one)."""
        with self._connect_lock:
            self._drop_connection()

    # Channels ------------------------------------------------------------

    @contextlib.contextmanager
    def channel(self) -> Iterator[object]:
        """Borrow an SFTP channel (a ``paramiko.SFTPClient``) for one operation."""
        generation, sftp = self._borrow()
        healthy = False
        try:
            yield sftp
            healthy = True
        except exceptions.OperationCancelled:
            healthy = False  # reads may still be in flight on it: start afresh
            raise
        except Exception as error:
            if not isinstance(error, (exceptions.StowError, LostConnection)) and not _channel_alive(sftp):
                raise LostConnection(str(error) or type(error).__name__) from error
            healthy = not _is_connection_error(error) and isinstance(error, (OSError, exceptions.StowError))
            raise
        finally:
            self._give_back(generation, sftp, healthy)

    def _borrow(self) -> tuple[int, object]:
        import paramiko

        while True:
            generation = self._connect()
            with self._cond:
                while self._generation == generation and self._alive():
                    if self._idle:
                        gen, sftp = self._idle.pop()
                        if gen == generation and not sftp.get_channel().closed:
                            return gen, sftp
                        self._open -= 1
                        with contextlib.suppress(Exception):
                            sftp.close()
                        continue
                    if self._open < self._limit:
                        self._open += 1
                        break
                    self._cond.wait()
                else:
                    continue  # the connection was lost or replaced meanwhile: (re)connect first
            try:
                sftp = self._open_channel()
            except paramiko.SSHException:
                # With the connection standing, the server refused one more session (MaxSessions).
                # (paramiko keeps one refusal per connection: of refusals at once, the others
                # come as a plain "Unable to open channel".) Make do with the channels open.
                refused = self._alive()
                with self._cond:
                    self._open -= 1
                    self._cond.notify_all()
                    if refused and self._open > 0:
                        self._limit = self._open
                        continue
                raise
            except BaseException:
                with self._cond:
                    self._open -= 1
                    self._cond.notify_all()
                raise
            self._clean_orphans(sftp)
            return generation, sftp

    def _open_channel(self):
        client = self._client
        if client is None:
            import paramiko

            raise paramiko.SSHException("the connection closed while a channel was opened")
        sftp = client.open_sftp()
        sftp.get_channel().settimeout(IO_TIMEOUT)
        return sftp

    def _give_back(self, generation: int, sftp, healthy: bool) -> None:
        with self._cond:
            if healthy and generation == self._generation and self._client is not None:
                self._idle.append((generation, sftp))
                self._cond.notify()
                return
            self._open -= 1
            self._cond.notify_all()  # the connection may be gone: every waiter must look again
        with contextlib.suppress(Exception):
            sftp.close()

    def _clean_orphans(self, sftp) -> None:
        while True:
            try:
                path = self.orphans.pop()
            except IndexError:
                return
            with contextlib.suppress(Exception):
                sftp.remove(path)
