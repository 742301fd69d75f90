"""Fixtures for running the built hermetic binary on real Python programs.

Tests run under Debian's /usr/bin/python3 (make integration). Every network
test uses listeners on 127.0.0.1 or ::1 that the test starts itself, or
names under the reserved .invalid domain, so nothing leaves the machine.
"""

import os
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("HERMETIC_BUILD", REPO / "build"))
HERMETIC = BUILD / "hermetic"
HERMETIC_PYTHON = BUILD / "hermetic-python"
PYTHON = "/usr/bin/python3"
# A command to run hermetic under, such as valgrind (make check-valgrind).
WRAPPER = shlex.split(os.environ.get("HERMETIC_WRAPPER", ""))

# A PATH without pyenv, conda or venv shims, so results do not depend on
# which python3 comes first on the developer's PATH.
CLEAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# Exit statuses documented in hermetic(1).
EXIT_USAGE = 64
EXIT_INTERNAL = 70
EXIT_BLOCKED = 77
EXIT_PROFILE = 78
EXIT_NOT_PYTHON = 126
EXIT_NOT_FOUND = 127


def clean_env(**extra):
    """Return an environment for a child: the current one with a clean PATH."""
    env = dict(os.environ)
    for name in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "HERMETIC_PROFILE_PATH"):
        env.pop(name, None)
    env["PATH"] = CLEAN_PATH
    env.update(extra)
    return env


def without_leak_check(env):
    """Return `env` with LeakSanitizer's exit check off, for make check-sanitize.

    PyYAML's Cython extension leaks a 5-tuple whose memory CPython's tuple
    free list took from an earlier audit event tuple, so its allocation
    stack names no yaml frame and no suppression can single it out. Runs
    that load yaml._yaml skip the leak check; elsewhere this changes nothing.
    """
    env = dict(env)
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    return env


def wrapped(args):
    """Return `args` as strings, with WRAPPER before a hermetic command."""
    args = [str(a) for a in args]
    if WRAPPER and args and args[0] in (str(HERMETIC), str(HERMETIC_PYTHON)):
        return [*WRAPPER, *args]
    return args


def run(args, *, env=None, input=None, timeout=120, cwd=None, executable=None):
    """Run a command and return the CompletedProcess with text output."""
    return subprocess.run(
        wrapped(args),
        env=env if env is not None else clean_env(),
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        executable=executable,
    )


def hermetic(*args, **kwargs):
    """Run build/hermetic with `args`."""
    return run([HERMETIC, *args], **kwargs)


def python_code(code, *options, **kwargs):
    """Run `code` with /usr/bin/python3 under hermetic with `options`."""
    return hermetic(*options, "--", PYTHON, "-c", code, **kwargs)


# This kind of machine has a _sandboxing_egress_ca.pth in dist-packages that
# reads a CA file at start-up, may append it to certifi's bundle, and does
# so through exec(). Under a read root, --fs-readonly or --no-code-exec
# hermetic blocks that (site prints "Error processing line ..." for the
# exec), and reports it when the program ends. None of it concerns the
# program under test.
START_UP_NOISE = ("sandboxing-egress-ca", "cacert.pem")
SANDBOX_PTH = "_sandboxing_egress_ca.pth"


def strip_start_up_noise(stderr):
    """Return stderr without what the machine's sandbox .pth file caused."""
    lines = stderr.splitlines(keepends=True)
    # With --trace the blocked exec is printed before site's error block.
    saw_pth = any(line.startswith("Error processing line") and SANDBOX_PTH in line for line in lines)
    kept, skipping = [], False
    for line in lines:
        if line.startswith("Error processing line") and SANDBOX_PTH in line:
            skipping = True
            continue
        if skipping:
            if line.startswith("Remainder of file ignored"):
                skipping = False
            continue
        if any(noise in line for noise in START_UP_NOISE):
            continue
        if saw_pth and line.strip() == "hermetic: blocked action: code execution disabled: compile in <string>":
            continue
        kept.append(line)
    return "".join(kept)


def blocked_lines(stderr):
    """Return the 'hermetic: blocked action:' lines of stderr."""
    return [line for line in stderr.splitlines() if line.startswith("hermetic: blocked action:")]


class Listener:
    """A TCP or UDP listener on loopback that records what reaches it.

    It binds ::1 or 127.0.0.1 by default; `host` picks another loopback
    address (127.0.0.2) and `port` a fixed port (0 picks a free one).

    `connections` counts accepted TCP connections; `received` holds every
    chunk of bytes received (TCP or UDP). A test checks these to prove that
    a blocked action sent nothing, and that an allowed one arrived.
    """

    def __init__(self, family=socket.AF_INET, kind=socket.SOCK_STREAM, reply=b"", host=None, port=0):
        if host is None:
            host = "::1" if family == socket.AF_INET6 else "127.0.0.1"
        self.sock = socket.socket(family, kind)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.host = host
        self.port = self.sock.getsockname()[1]
        self.kind = kind
        self.reply = reply
        self.connections = 0
        self.received = []
        self._lock = threading.Lock()
        self._stop = False
        if kind == socket.SOCK_STREAM:
            self.sock.listen(16)
        self.sock.settimeout(0.2)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop:
            try:
                if self.kind == socket.SOCK_STREAM:
                    conn, _ = self.sock.accept()
                    with self._lock:
                        self.connections += 1
                    threading.Thread(target=self._read, args=(conn,), daemon=True).start()
                else:
                    data, _ = self.sock.recvfrom(65536)
                    with self._lock:
                        self.received.append(data)
            except (socket.timeout, OSError):
                continue

    def _read(self, conn):
        conn.settimeout(5)
        try:
            if self.reply:
                data = conn.recv(65536)
                with self._lock:
                    self.received.append(data)
                conn.sendall(self.reply)
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                with self._lock:
                    self.received.append(data)
        except OSError:
            pass
        finally:
            conn.close()

    def data(self):
        """Return every byte received so far, after a short settling delay."""
        time.sleep(0.1)
        with self._lock:
            return b"".join(self.received)

    def close(self):
        self._stop = True
        self._thread.join(timeout=2)
        self.sock.close()


HTTP_OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"


@pytest.fixture
def tcp_listener():
    listener = Listener()
    yield listener
    listener.close()


@pytest.fixture
def http_listener():
    """A TCP listener on 127.0.0.1 that answers one HTTP request with 200 ok."""
    listener = Listener(reply=HTTP_OK)
    yield listener
    listener.close()


@pytest.fixture
def tcp6_listener():
    listener = Listener(family=socket.AF_INET6)
    yield listener
    listener.close()


@pytest.fixture
def udp_listener():
    listener = Listener(kind=socket.SOCK_DGRAM)
    yield listener
    listener.close()


@pytest.fixture(scope="session")
def venv(tmp_path_factory):
    """A venv made with Debian's python3 and --system-site-packages."""
    path = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([PYTHON, "-m", "venv", "--system-site-packages", "--without-pip", str(path)], check=True)
    return path


def pytest_configure(config):
    if not HERMETIC.exists():
        raise pytest.UsageError(f"{HERMETIC} does not exist: run make first")
    if sys.executable != PYTHON and os.path.realpath(sys.executable) != os.path.realpath(PYTHON):
        print(f"note: tests run under {sys.executable}, not {PYTHON}", file=sys.stderr)
    if shutil.which("http", path=CLEAN_PATH) is None:
        print("note: httpie is missing; run make deps", file=sys.stderr)
