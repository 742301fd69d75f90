"""Concurrency: many threads deciding at once, and the Python API entered
and left from several threads.

The program runs 32 worker threads for a few seconds under
--no-network --allow-domain 127.0.0.1:ALLOWED --fs-readonly --allow-write DIR.
Each worker connects to an allowed and a blocked loopback listener and
writes inside and outside DIR. It counts what happened, and the test
checks every outcome against the policy. Meanwhile 8 threads enter and leave
hermetic_blocker(block_subprocess=True) and check hermetic.policy() inside
each block. A timeout on the whole run catches a deadlock.
"""

import ast
import textwrap

from conftest import PYTHON, Listener, clean_env, hermetic

SECONDS = 4
WORKERS = 32
API_THREADS = 8

PROGRAM = r'''
import os
import socket
import subprocess
import threading
import time

import hermetic

ALLOWED, BLOCKED, DIR, OTHER = ALLOWED_LITERAL, BLOCKED_LITERAL, DIR_LITERAL, OTHER_LITERAL
SECONDS, WORKERS, API_THREADS = SECONDS_LITERAL, WORKERS_LITERAL, API_THREADS_LITERAL

start = threading.Barrier(WORKERS + API_THREADS + 1)
results = {}
api_results = {}


def expect_allowed(counts, name, action):
    try:
        action()
        counts[name] = counts.get(name, 0) + 1
    except hermetic.PolicyViolation as error:
        counts["wrong"].append(f"{name}: blocked: {error}")
    except OSError as error:
        counts["os_errors"].append(f"{name}: {error}")


def expect_blocked(counts, name, action):
    try:
        action()
        counts["wrong"].append(f"{name}: allowed")
    except hermetic.PolicyViolation:
        counts[name] = counts.get(name, 0) + 1
    except OSError as error:
        counts["wrong"].append(f"{name}: {error} instead of a PolicyViolation")


def connect(port):
    socket.create_connection(("127.0.0.1", port), timeout=20).close()


def write(path):
    with open(path, "w") as f:
        f.write("x")


def worker(index):
    counts = {"wrong": [], "os_errors": []}
    start.wait()
    stop = time.monotonic() + SECONDS
    round = 0
    while time.monotonic() < stop:
        round += 1
        expect_allowed(counts, "connect_allowed", lambda: connect(ALLOWED))
        expect_blocked(counts, "connect_blocked", lambda: connect(BLOCKED))
        expect_allowed(counts, "write_allowed", lambda: write(os.path.join(DIR, f"w{index}-{round % 4}")))
        expect_blocked(counts, "write_blocked", lambda: write(os.path.join(OTHER, f"w{index}")))
    results[index] = counts


def api_user(index):
    counts = {"wrong": [], "blocks": 0}
    start.wait()
    stop = time.monotonic() + SECONDS
    while time.monotonic() < stop:
        with hermetic.hermetic_blocker(block_subprocess=True):
            inside = hermetic.policy()
            if inside["subprocess"]["block"] is not True:
                counts["wrong"].append("subprocess not blocked inside the block")
            if inside["network"]["allow"] != [f"127.0.0.1:{ALLOWED}"]:
                counts["wrong"].append(f"network.allow inside the block: {inside['network']['allow']}")
            try:
                subprocess.run(["/bin/true"], check=True)
                counts["wrong"].append("/bin/true ran inside the block")
            except hermetic.PolicyViolation:
                pass
        counts["blocks"] += 1
    api_results[index] = counts


before = hermetic.policy()
threads = [threading.Thread(target=worker, args=(i,)) for i in range(WORKERS)]
threads += [threading.Thread(target=api_user, args=(i,)) for i in range(API_THREADS)]
for thread in threads:
    thread.start()
start.wait()
for thread in threads:
    thread.join(timeout=SECONDS + 60)
stuck = [thread.name for thread in threads if thread.is_alive()]
after = hermetic.policy()
after_block = subprocess.run(["/bin/true"]).returncode

print({"results": results, "api_results": api_results, "stuck": stuck,
       "policy_unchanged": before == after, "after_block": after_block})
'''


def test_concurrent_decisions_and_api(tmp_path):
    allowed = Listener()
    blocked = Listener()
    write_dir = tmp_path / "writable"
    other = tmp_path / "other"
    write_dir.mkdir()
    other.mkdir()
    source = PROGRAM
    for name, value in [("ALLOWED", allowed.port), ("BLOCKED", blocked.port), ("DIR", str(write_dir)),
                        ("OTHER", str(other)), ("SECONDS", SECONDS), ("WORKERS", WORKERS),
                        ("API_THREADS", API_THREADS)]:
        source = source.replace(f"{name}_LITERAL", repr(value))
    script = tmp_path / "load.py"
    script.write_text(textwrap.dedent(source))

    try:
        result = hermetic("--no-network", "--allow-domain", f"127.0.0.1:{allowed.port}", "--fs-readonly",
                          "--allow-write", write_dir, "--", PYTHON, script, env=clean_env(),
                          timeout=SECONDS + 180)
        assert result.returncode == 0, result.stderr[-4000:]
        report = ast.literal_eval(result.stdout.strip().splitlines()[-1])

        assert report["stuck"] == [], report["stuck"]
        assert sorted(report["results"]) == list(range(WORKERS)), result.stderr[-4000:]
        for index, counts in report["results"].items():
            assert counts["wrong"] == [], (index, counts["wrong"][:10])
            for name in ("connect_allowed", "connect_blocked", "write_allowed", "write_blocked"):
                assert counts.get(name, 0) > 0, (index, name, counts)
            # A refused or timed-out connect is no decision, but it must stay rare.
            assert len(counts["os_errors"]) <= counts["connect_allowed"], (index, counts["os_errors"][:10])
        assert sorted(report["api_results"]) == list(range(API_THREADS)), result.stderr[-4000:]
        for index, counts in report["api_results"].items():
            assert counts["wrong"] == [], (index, counts["wrong"][:10])
            assert counts["blocks"] > 0, (index, counts)
        assert report["policy_unchanged"] is True
        assert report["after_block"] == 0

        assert blocked.connections == 0
        assert blocked.data() == b""
        assert allowed.connections >= sum(c["connect_allowed"] for c in report["results"].values())
        assert list(other.iterdir()) == []
    finally:
        allowed.close()
        blocked.close()


FIRST_USE = r"""
import sys
import threading

import hermetic

# Switch threads as often as possible, so that several threads are inside
# the first lookup of the API names at once.
sys.setswitchinterval(1e-6)
start = threading.Barrier(16)
failures = []


def first_use():
    start.wait()
    try:
        hermetic.hermetic_blocker
        hermetic.with_hermetic
    except AttributeError as error:
        failures.append(str(error))


threads = [threading.Thread(target=first_use) for _ in range(16)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(len(failures), failures[:3])
"""


def test_api_first_use_from_threads():
    """The Python half of the API loads once, and threads that ask for it
    meanwhile wait for it instead of finding the names missing."""
    for attempt in range(5):
        result = hermetic("--", PYTHON, "-c", FIRST_USE, env=clean_env(), timeout=120)

        assert result.returncode == 0, result.stderr[-4000:]
        assert result.stdout.strip() == "0 []", (attempt, result.stdout)
