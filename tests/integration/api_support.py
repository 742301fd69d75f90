"""Helpers for the tests of the Python API, hermetic-python and Python children.

A test writes a program from PRELUDE, a few constants and a body, runs it,
and reads back the RESULT lines the program printed. PRELUDE gives the
program `outcome(action, ...)`, which returns "ok", "blocked" (a
hermetic.PolicyViolation) or the text of any other error, and a set of
actions (connect, run_program, write_file, ...) that touch only loopback
listeners and files the test set up.
"""

import json
import os
import socket
import textwrap
import threading
import time
from pathlib import Path

from attempts import describe
from conftest import BUILD, clean_env

MODULE_DIR = BUILD / "python"
RESULT_PREFIX = "RESULT "

# Variables that would change what a hermetic or a requests child does: a
# policy inherited from a hermetic that runs the tests, and proxies.
UNWANTED_VARIABLES = (
    "HERMETIC_POLICY",
    "HERMETIC_INTERPRETER",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
)

PRELUDE = '''\
import importlib
import json
import os
import socket
import subprocess
import sys

import hermetic


def report(**values):
    """Print `values` as one RESULT line for the test to read."""
    print("RESULT " + json.dumps(values), flush=True)


def outcome(action, *args):
    """Run action(*args); return "ok", "blocked" or the other error's text."""
    try:
        action(*args)
    except hermetic.PolicyViolation:
        return "blocked"
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return "ok"


def connect(port, host="127.0.0.1"):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.connect((host, port))


def connect_unix(path):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.connect(path)


def lookup(name):
    socket.getaddrinfo(name, 80)


def run_program(*argv):
    subprocess.run(argv, check=True, timeout=60)


def write_file(path):
    with open(path, "w") as stream:
        stream.write("written")


def read_file(path):
    with open(path) as stream:
        stream.read()


def import_module(name):
    importlib.import_module(name)
'''


def child_env(**extra):
    """Return clean_env() without an inherited policy or proxy settings."""
    env = clean_env()
    for name in UNWANTED_VARIABLES:
        env.pop(name, None)
    env.update({name: str(value) for name, value in extra.items()})
    return env


def module_env(**extra):
    """Return child_env() for a plain python3 that imports build/python/hermetic*.so."""
    return child_env(PYTHONPATH=MODULE_DIR, **extra)


def program_source(body, prelude=PRELUDE, **constants):
    """Return `prelude`, then NAME = repr(value) for each constant, then `body`."""
    lines = [f"{name} = {value!r}" for name, value in sorted(constants.items())]
    return prelude + "\n" + "\n".join(lines) + "\n\n" + textwrap.dedent(body).strip("\n") + "\n"


def write_program(path, body, prelude=PRELUDE, **constants):
    """Write program_source(...) to `path` and return the path."""
    path = Path(path)
    path.write_text(program_source(body, prelude, **constants))
    return path


def results_of(result):
    """Return the RESULT lines of `result` merged into one dict, or fail the test."""
    values = {}
    for line in result.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            values.update(json.loads(line[len(RESULT_PREFIX):]))
    if not values:
        raise AssertionError(f"the program printed no RESULT line\n{describe(result)}")
    return values


def settled_connections(listener, timeout=3.0):
    """Return listener.connections once the count has stopped changing.

    A connection the kernel queued before the program ended may be
    accepted a little later by the listener's thread.
    """
    deadline = time.monotonic() + timeout
    count = listener.connections
    while True:
        time.sleep(0.25)
        current = listener.connections
        if current == count or time.monotonic() > deadline:
            return current
        count = current


class UnixListener:
    """An AF_UNIX stream listener at `path` that counts accepted connections."""

    def __init__(self, path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.connections = 0
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop = True
        self._thread.join(timeout=2)
        self.sock.close()
        if os.path.exists(self.path):
            os.unlink(self.path)
