"""Forged audit events: sys.audit called by the program itself.

Under a policy that turns every guard on, a program calls sys.audit with
each event name of the hook's table in src/hook.c, with no arguments, too
many, and arguments of the wrong types. hermetic must not crash (no exit
status 134 or 139, no "Fatal Python error", no SystemError), and the real
blocked actions that follow (a connect to a loopback listener, a file
write, a subprocess) must still be blocked, with no side effect.
"""

import ast
import re
import textwrap

import pytest

from conftest import PYTHON, REPO, clean_env, hermetic

# Each row of the EVENTS table: {"name", GUARD_..., adapter}.
EVENT_ROW = re.compile(r'^\s*\{"([^"]+)",\s*GUARD_[A-Z_ |]+,\s*\w+\},?\s*$')


def watched_events():
    """Return the event names of the hook's table, in table order."""
    text = (REPO / "src" / "hook.c").read_text()
    table = text[text.index("} EVENTS[] = {"):]
    table = table[: table.index("};")]
    names = [m.group(1) for line in table.splitlines() if (m := EVENT_ROW.match(line))]
    assert len(names) > 40, "the EVENTS table of src/hook.c no longer parses"
    return names


# The program under test. It uses no module that a guard blocks (json is
# denied, eval and exec are blocked), and prints its results as a Python
# literal on the last line of stdout.
PROGRAM = r'''
import socket
import subprocess
import sys

EVENTS = EVENTS_LITERAL
PORT = PORT_LITERAL
WRITE_PATH = WRITE_PATH_LITERAL
MARKER = MARKER_LITERAL


class Raising:
    """Every conversion raises."""

    def _raise(self, *args, **kwargs):
        raise RuntimeError("conversion raised")

    __str__ = __repr__ = __fspath__ = __index__ = __int__ = __float__ = _raise
    __len__ = __iter__ = __bool__ = __hash__ = __bytes__ = _raise

    def __eq__(self, other):
        raise RuntimeError("comparison raised")

    def __getattr__(self, name):
        raise RuntimeError("attribute " + name)


class WrongTypes:
    """Conversions that return the wrong type."""

    def __str__(self):
        return 42

    __repr__ = __str__

    def __fspath__(self):
        return 42

    def __index__(self):
        return "not an int"

    def __len__(self):
        return -1


class StrWithRaisingMethods(str):
    def __str__(self):
        raise RuntimeError("str subclass")

    def encode(self, *args, **kwargs):
        raise RuntimeError("str subclass encode")

    def __fspath__(self):
        raise RuntimeError("str subclass fspath")


class TupleSubclass(tuple):
    def __getitem__(self, index):
        raise RuntimeError("tuple subclass")

    def __len__(self):
        return 1000


class BytesPath:
    def __fspath__(self):
        return b"/tmp/x\0y"


def nested(depth):
    value = ("127.0.0.1", PORT)
    for _ in range(depth):
        value = (value, value)
    return value


VALUES = [
    None, True, 0, -1, 2**31, 2**64, -(2**1000), 1.5, float("nan"), 1j,
    "", "x", "/etc/passwd", "a\0b", "\udcff", "x" * 1_000_000, "/" * 5000, "../" * 2000,
    b"", b"/etc/passwd", b"\xff\xfe", b"a\0b", bytearray(b"/tmp"), memoryview(b"/tmp"),
    (), ((),), ("127.0.0.1",), ("127.0.0.1", "port"), ("127.0.0.1", PORT, 0, 0, 0),
    ("::1", PORT, "flow", "scope"), (None, None), nested(3), nested(20),
    [], ["/bin/sh", "-c", "true"], {}, {"PATH": None}, {b"K": b"V"}, set(),
    Raising(), WrongTypes(), StrWithRaisingMethods("/etc/passwd"), TupleSubclass(("x",)),
    BytesPath(), object(), type, sys, socket.socket,
]


def shapes(value):
    """Argument tuples for one value: alone, repeated, mixed with others."""
    yield (value,)
    yield (value, value)
    yield (value, value, value)
    yield (value,) * 6
    yield ("/tmp/hermetic-forged", value)
    yield (value, ("127.0.0.1", PORT))
    yield (value, "w", 0o1101)
    yield (value, ["/bin/sh", "-c", "true"], None)


def describe(args):
    return "(" + ", ".join(type(arg).__name__ for arg in args) + ")"


outcomes = {}
system_errors = []
for event in EVENTS:
    calls = [()] + [shape for value in VALUES for shape in shapes(value)]
    for args in calls:
        try:
            sys.audit(event, *args)
            kind = "returned"
        except BaseException as error:  # every outcome is recorded, none may be SystemError
            kind = type(error).__name__
            if isinstance(error, SystemError) and len(system_errors) < 20:
                system_errors.append(event + describe(args) + ": " + str(error)[:200])
        outcomes[kind] = outcomes.get(kind, 0) + 1

real = {}
try:
    socket.create_connection(("127.0.0.1", PORT), timeout=5).close()
    real["connect"] = "done"
except BaseException as error:
    real["connect"] = type(error).__name__
try:
    with open(WRITE_PATH, "w") as f:
        f.write("forged events let this through")
    real["write"] = "done"
except BaseException as error:
    real["write"] = type(error).__name__
try:
    subprocess.run(["/bin/sh", "-c", "echo ran > " + MARKER], check=True, timeout=30)
    real["subprocess"] = "done"
except BaseException as error:
    real["subprocess"] = type(error).__name__

print({"outcomes": outcomes, "system_errors": system_errors, "real": real})
'''

# Every guard on, backed by the kernel where it can be.
BLOCK_ALL = ["--profile", "block-all", "--deny-import", "json", "--seal", "--no-code-exec",
             "--no-interpreter-mutation"]
# Every guard on with the audit hook alone: what blocks the real actions
# below is the hook that the forged events went through.
HOOK_ONLY = ["--no-network", "--no-subprocess", "--fs-readonly", "--block-native", "--no-environment",
             "--no-code-exec", "--deny-import", "json", "--no-interpreter-mutation", "--seal"]


def run_forged_events(options, tcp_listener, tmp_path):
    write_path = tmp_path / "written.txt"
    marker = tmp_path / "subprocess-ran"
    source = (
        PROGRAM.replace("EVENTS_LITERAL", repr(watched_events()))
        .replace("PORT_LITERAL", repr(tcp_listener.port))
        .replace("WRITE_PATH_LITERAL", repr(str(write_path)))
        .replace("MARKER_LITERAL", repr(str(marker)))
    )
    script = tmp_path / "forge.py"
    script.write_text(textwrap.dedent(source))
    result = hermetic(*options, "--", PYTHON, script, env=clean_env(), timeout=600)
    return result, write_path, marker


def check_no_crash(result):
    assert result.returncode not in (134, 139, -6, -11), result.stderr[-4000:]
    assert "Fatal Python error" not in result.stderr, result.stderr[-4000:]
    assert "SystemError" not in result.stderr, result.stderr[-4000:]
    assert "Segmentation fault" not in result.stderr, result.stderr[-4000:]
    assert result.returncode == 0, result.stderr[-4000:]
    lines = result.stdout.strip().splitlines()
    assert lines, result.stderr[-4000:]
    return ast.literal_eval(lines[-1])


@pytest.mark.parametrize("options", [BLOCK_ALL, HOOK_ONLY], ids=["block_all", "hook_only"])
def test_forged_events_do_not_crash(options, tcp_listener, tmp_path):
    result, _, _ = run_forged_events(options, tcp_listener, tmp_path)
    report = check_no_crash(result)

    assert "SystemError" not in report["outcomes"], report
    assert sum(report["outcomes"].values()) > 10_000, report
    # The forged events reached the guards: some were blocked.
    assert report["outcomes"].get("PolicyViolation", 0) > 0, report


@pytest.mark.parametrize("options", [BLOCK_ALL, HOOK_ONLY], ids=["block_all", "hook_only"])
def test_real_actions_blocked_after_forged_events(options, tcp_listener, tmp_path):
    result, write_path, marker = run_forged_events(options, tcp_listener, tmp_path)
    report = check_no_crash(result)

    assert report["real"]["connect"] != "done", report
    assert report["real"]["write"] != "done", report
    assert report["real"]["subprocess"] != "done", report
    if options is HOOK_ONLY:
        # No kernel layer: the audit hook itself blocked each action.
        assert report["real"] == {"connect": "PolicyViolation", "write": "PolicyViolation",
                                  "subprocess": "PolicyViolation"}, report
    assert tcp_listener.connections == 0
    assert tcp_listener.data() == b""
    assert not write_path.exists()
    assert not marker.exists()
