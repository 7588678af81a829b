"""A real Dovecot IMAP server on 127.0.0.1 for the tests, and a small proxy in front of it.

``Dovecot`` runs ``dovecot -F`` with its own config in a folder of its own: plain and TLS
listeners, a throw-away certificate made by openssl, each user in a passwd file of its own that
Dovecot opens at each login, no penalty after a failed login (see
``../shared/recipes/imap-test-server.md``). Mail is delivered with IMAP APPEND, which sets each
message's arrival time (INTERNALDATE). ``doveadm`` lists the processes of a user's sessions and
gives a folder a new UIDVALIDITY, as an administrator would.

``Proxy`` forwards a client to Dovecot byte for byte, except where a test makes it behave like
a server Dovecot cannot be configured to be: one that does not know ID or answers it with BAD,
one without STARTTLS, or a Coremail-style server that refuses to open a folder for a client
that has not sent ID ("Unsafe Login"). It records what the client sent.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from imapclient import IMAPClient

DOVECOT = shutil.which("dovecot") or (
    "/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None
)
DOVEADM = shutil.which("doveadm") or (
    "/usr/bin/doveadm" if os.path.exists("/usr/bin/doveadm") else None
)
OPENSSL = shutil.which("openssl")
MISSING = (
    "Dovecot (Debian package dovecot-imapd) is not installed"
    if DOVECOT is None or DOVEADM is None
    else "openssl is not installed"
    if OPENSSL is None
    else None
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


class Dovecot:
    """One Dovecot instance: its folder, ports, users and process."""

    def __init__(self) -> None:
        # Dovecot's own users must be able to read the folder (pytest's tmp folders are 0700).
        self.folder = Path(tempfile.mkdtemp(prefix="duban-dovecot-"))
        self.folder.chmod(0o755)
        self.port = free_port()
        self.tls_port = free_port()
        self.cert = self.folder / "cert.pem"
        self.process: subprocess.Popen[bytes] | None = None
        self.users: dict[str, str] = {}
        if os.geteuid() == 0:  # as root, Dovecot runs its processes as its own users
            self.user, self.login_user = "dovecot", "dovenull"
        else:
            self.user = self.login_user = pwd.getpwuid(os.geteuid()).pw_name
        entry = pwd.getpwnam(self.user)
        self.uid, self.gid = entry.pw_uid, entry.pw_gid
        self._configure()

    def _configure(self) -> None:
        d = self.folder
        for sub in ("run", "state", "home", "users"):
            (d / sub).mkdir(mode=0o755)
        os.chown(d / "home", self.uid, self.gid)
        subprocess.run(
            [
                str(OPENSSL),
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                str(d / "key.pem"),
                "-out",
                str(self.cert),
            ],
            check=True,
            capture_output=True,
        )
        (d / "key.pem").chmod(0o644)  # read by the login processes; a throw-away key
        u, g = self.user, _group_name(self.gid)
        self.conf = d / "dovecot.conf"
        self.conf.write_text(
            f"""
protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
instance_name = duban-test-{self.port}
ssl = yes
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%n {d}/users/%n
}}
userdb {{
  driver = static
  args = uid={self.uid} gid={self.gid} home={d}/home/%n
}}
mail_location = maildir:~/Maildir
mail_uid = {self.uid}
mail_gid = {self.gid}
first_valid_uid = 0
default_internal_user = {u}
default_internal_group = {g}
default_login_user = {self.login_user}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
  # no penalty after a failed login: one test's wrong password must not slow the next ones
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service auth {{
  user = {u}
}}
service auth-worker {{
  user = {u}
}}
"""
        )

    # -- the process ----------------------------------------------------------------------

    def start(self) -> None:
        assert DOVECOT is not None
        self.process = subprocess.Popen(
            [DOVECOT, "-c", str(self.conf), "-F"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stopped whole, sessions included
        )
        try:
            _wait_for_port(self.port)
            _wait_for_port(self.tls_port)
        except RuntimeError:
            self.stop()
            raise RuntimeError(f"Dovecot did not start:\n{self.log()}") from None

    def stop(self) -> None:
        """Stop the server and every process of it, open sessions too (as a shutdown does)."""
        process, self.process = self.process, None
        if process is None:
            return
        # The master alone leaves its session processes running, orphaned: end the group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def log(self) -> str:
        path = self.folder / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def doveadm(self, *args: str) -> str:
        assert DOVEADM is not None
        done = subprocess.run(
            [DOVEADM, "-c", str(self.conf), *args], capture_output=True, text=True, timeout=30
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    # -- users and mail -------------------------------------------------------------------

    def add_user(self, name: str, password: str) -> None:
        """Add a user: a passwd file of its own, which Dovecot opens at each login."""
        self.users[name] = password
        (self.folder / "users" / name).write_text(f"{name}:{{PLAIN}}{password}::::::\n")

    def client(self, user: str, tls: bool = False) -> IMAPClient:
        context = ssl.create_default_context(cafile=str(self.cert)) if tls else None
        port = self.tls_port if tls else self.port
        client = IMAPClient("127.0.0.1", port, ssl=tls, ssl_context=context, timeout=15)
        client.login(user, self.users[user])
        return client

    def deliver(
        self,
        user: str,
        raw: bytes,
        when: dt.datetime,
        flags: tuple[bytes, ...] = (),
        folder: str = "INBOX",
    ) -> None:
        """Put a message in a user's folder as if it arrived at ``when`` (its INTERNALDATE)."""
        with self.client(user) as client:
            if folder != "INBOX" and not client.folder_exists(folder):
                client.create_folder(folder)
            client.append(folder, raw, flags=flags, msg_time=when)

    def mailbox(self, user: str, folder: str = "INBOX") -> list[tuple]:
        """Every message of a folder: UID, flags (without the per-session \\Recent), arrival
        time and bytes, with the folder's UIDVALIDITY — to compare before and after."""
        with self.client(user) as client:
            selected = client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            data = client.fetch(uids, ["FLAGS", "INTERNALDATE", "BODY.PEEK[]"]) if uids else {}
            return [
                (
                    selected[b"UIDVALIDITY"],
                    uid,
                    tuple(sorted(f for f in data[uid][b"FLAGS"] if f != b"\\Recent")),
                    data[uid][b"INTERNALDATE"],
                    data[uid][b"BODY[]"],
                )
                for uid in sorted(uids)
            ]

    def session_pids(self, user: str) -> list[int]:
        """The processes of a user's open IMAP sessions (``doveadm who``)."""
        out = self.doveadm("who", "-1", user)  # username, proto, pid, ip: one per session
        return [int(line.split()[2]) for line in out.splitlines()[1:] if line.strip()]

    def new_uidvalidity(self, user: str, value: int, folder: str = "INBOX") -> None:
        """Give a folder a new UIDVALIDITY, as a server migration or a rebuilt index does."""
        self.doveadm("mailbox", "update", "-u", user, "--uid-validity", str(value), folder)


def _group_name(gid: int) -> str:
    import grp

    return grp.getgrgid(gid).gr_name


# -- a proxy in front of Dovecot -----------------------------------------------------------

_LITERAL = re.compile(rb"\{(\d+)\+?\}\r\n$")
_TAGGED = re.compile(rb"^(\S+) (\S+)", re.I)


class Proxy:
    """A TCP proxy to Dovecot's plain port that can act like servers Dovecot cannot be made into.

    ``hide``: capabilities taken out of what the server announces (``ID``, ``STARTTLS``).
    ``refuse``: commands answered ``BAD`` without reaching the server (``ID``). ``coremail``:
    SELECT and EXAMINE are answered ``NO SELECT Unsafe Login`` until the client has sent ID in
    the session, as Coremail-based servers (163, 126, government mail) do. ``lines`` records
    every command line a client sent (literals left out), in order.
    """

    def __init__(
        self,
        target_port: int,
        hide: tuple[str, ...] = (),
        refuse: tuple[str, ...] = (),
        coremail: bool = False,
    ):
        self.target_port = target_port
        self.hide = hide
        self.refuse = refuse
        self.coremail = coremail
        self.lines: list[str] = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.server.getsockname()[1])
        self._closing = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def commands(self) -> list[str]:
        """Each command's name (``UID FETCH`` for a UID command), in order."""
        found = []
        for line in self.lines:
            words = line.split()
            if len(words) > 1:
                verb = words[1].upper()
                found.append(
                    f"UID {words[2].upper()}" if verb == "UID" and len(words) > 2 else verb
                )
        return found

    def close(self) -> None:
        self._closing = True
        self.server.close()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(client,), daemon=True).start()

    def _session(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.target_port))
        id_sent = False
        lock = threading.Lock()  # both directions write to the client
        threading.Thread(
            target=self._downstream, args=(upstream, client, lock), daemon=True
        ).start()
        reader = client.makefile("rb")
        try:
            while line := reader.readline():
                literal = _LITERAL.search(line)
                if literal:  # a command with a literal (APPEND): pass it through untouched
                    upstream.sendall(line + reader.read(int(literal.group(1))))
                    continue
                self.lines.append(line.decode("utf-8", "replace").rstrip("\r\n"))
                match = _TAGGED.match(line)
                verb = match.group(2).decode().upper() if match else ""
                answer = b""
                if verb == "ID" and verb not in self.refuse:
                    id_sent = True
                if verb in self.refuse:
                    answer = b" BAD Unknown command " + verb.encode()
                elif verb in ("SELECT", "EXAMINE") and self.coremail and not id_sent:
                    answer = b" NO SELECT Unsafe Login. Please contact kefu@188.com for help"
                if answer and match:
                    with lock:
                        client.sendall(match.group(1) + answer + b"\r\n")
                    continue
                upstream.sendall(line)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                upstream.shutdown(socket.SHUT_RDWR)
            client.close()

    def _downstream(self, upstream: socket.socket, client: socket.socket, lock) -> None:
        reader = upstream.makefile("rb")
        try:
            while line := reader.readline():
                if b"CAPABILITY" in line:
                    for capability in self.hide:
                        line = re.sub(rb" " + capability.encode() + rb"(?=[ \]\r])", b"", line)
                literal = _LITERAL.search(line)
                data = line + (reader.read(int(literal.group(1))) if literal else b"")
                with lock:
                    client.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)


# -- a mailbox of a test's own -------------------------------------------------------------


class Mailbox:
    """One user's mailbox on a Dovecot: deliver to it, read it back, point duban at it."""

    _count = 0

    def __init__(self, server: Dovecot):
        Mailbox._count += 1
        self.server = server
        self.user = f"clerk{Mailbox._count}"
        self.password = f"auth-code-{Mailbox._count}"
        server.add_user(self.user, self.password)

    def deliver(
        self,
        raw: bytes,
        when: dt.datetime,
        flags: tuple[bytes, ...] = (),
        folder: str = "INBOX",
    ) -> None:
        self.server.deliver(self.user, raw, when, flags, folder)

    def contents(self, folder: str = "INBOX") -> list[tuple]:
        return self.server.mailbox(self.user, folder)

    def toml(self, security: str = "ssl", **keys: object) -> str:
        """The ``[imap]`` table of a config reading this mailbox (TLS, the test certificate)."""
        port = self.server.tls_port if security == "ssl" else self.server.port
        values: dict[str, object] = {
            "host": "127.0.0.1",
            "port": port,
            "security": security,
            "user": self.user,
            "password_env": "DUBAN_IMAP_PASSWORD",
            "ca_file": str(self.server.cert),
            "timeout_seconds": 10,
            **keys,
        }
        lines = [f"{k} = {_toml(v)}" for k, v in values.items() if v is not None]
        return "[imap]\n" + "\n".join(lines) + "\n"


def _toml(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


def office_config(path: Path, out: Path, imap_table: str) -> Path:
    """The bundled config, writing to ``out``, its table found where it is installed, with
    ``imap_table`` (an ``[imap]`` table, or nothing)."""
    from toolkit.files import bundle_root, bundled_config

    text = bundled_config().read_text(encoding="utf-8")
    table = (bundle_root() / "examples" / "2020-licheng-task-breakdown.txt").as_posix()
    text = text.replace('tasks = "examples/2020-licheng-task-breakdown.txt"', f'tasks = "{table}"')
    text = text.replace('output = "output"', f'output = "{out.as_posix()}"')
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n" + imap_table, encoding="utf-8")
    return path
