"""Programs that do nothing a guard blocks run exactly as under python3.

A smoke program and real tools (pip3, pydoc3, Debian's pytest, a small CSV
analyzer) run under the subprocess, filesystem and native-code guards and
under the shipped profiles. Their output is compared with the same command
run by /usr/bin/python3 directly. The profile tests then check that each
shipped profile loads and blocks what its description states, by side effect.
"""

import json
import os
import re
import subprocess

import pytest
import yaml

from attempts import describe, relevant_blocked_lines, run_hermetic
from conftest import HERMETIC, HERMETIC_PYTHON, PYTHON, clean_env, strip_start_up_noise

SMOKE_PROGRAM = '''\
import asyncio
import dataclasses
import decimal
import hashlib
import json
import logging
import os
import sqlite3
import ssl
import sys
import tempfile
import typing


@dataclasses.dataclass(frozen=True)
class Point:
    x: int
    y: int


class Pair(typing.NamedTuple):
    left: str
    right: str


async def gather_squares(count: int) -> typing.List[int]:
    async def square(n):
        await asyncio.sleep(0)
        return n * n

    return await asyncio.gather(*(square(n) for n in range(count)))


def main(use_tempfile):
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    log = logging.getLogger("smoke")

    print("json", json.dumps({"b": [1, 2.5, None], "a": "\\u00e9"}, sort_keys=True))
    print("decimal", decimal.Decimal("1.10") + decimal.Decimal("2.205"))
    print("asyncio", asyncio.run(gather_squares(5)))

    connection = sqlite3.connect(":memory:")
    connection.execute("create table t (name text, value integer)")
    connection.executemany("insert into t values (?, ?)", [("a", 1), ("b", 2)])
    print("sqlite", connection.execute("select name, value * 10 from t order by name").fetchall())

    context = ssl.create_default_context()
    print("ssl", context.verify_mode == ssl.CERT_REQUIRED, context.check_hostname)
    print("hashlib", hashlib.sha256(b"hermetic").hexdigest(), hashlib.md5(b"x").hexdigest())
    print("dataclass", Point(1, 2), dataclasses.asdict(Point(3, 4)))
    print("typing", Pair("l", "r"), typing.get_type_hints(Point))
    log.info("logged to stderr")
    log.warning("a warning")

    if use_tempfile:
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "data.txt")
            with open(path, "w") as stream:
                stream.write("temporary")
            with open(path) as stream:
                print("tempfile dir", stream.read())
        with tempfile.NamedTemporaryFile("w+") as stream:
            stream.write("named")
            stream.seek(0)
            print("tempfile named", stream.read())
        with tempfile.TemporaryFile() as stream:
            stream.write(b"unnamed")
            stream.seek(0)
            print("tempfile unnamed", stream.read())


main(use_tempfile=len(sys.argv) > 1 and sys.argv[1] == "tempfile")
'''


@pytest.fixture
def temp_dir(tmp_path):
    """A directory used as TMPDIR by both runs, so their temp files stay here."""
    path = tmp_path / "tmp"
    path.mkdir()
    return path


def smoke_runs(tmp_path, temp_dir, options):
    program = tmp_path / "smoke.py"
    program.write_text(SMOKE_PROGRAM)
    env = clean_env(TMPDIR=str(temp_dir))
    plain = subprocess.run(
        [PYTHON, str(program), "tempfile"], env=env, capture_output=True, text=True, timeout=120
    )
    guarded = run_hermetic([*options, "--", PYTHON, program, "tempfile"], env=env)
    return plain, guarded


def filtered_stderr(stderr):
    """Return stderr without the start-up noise lines of this machine."""
    return strip_start_up_noise(stderr)


@pytest.mark.parametrize(
    "options",
    [
        pytest.param(["--no-subprocess"], id="no-subprocess"),
        pytest.param(["--fs-readonly", "--allow-write", "{tmp}"], id="fs-readonly"),
        pytest.param(["--block-native"], id="block-native"),
        pytest.param(
            ["--no-subprocess", "--fs-readonly", "--allow-write", "{tmp}", "--block-native"], id="all-three"
        ),
    ],
)
def test_smoke_program_matches_python3(tmp_path, temp_dir, options):
    options = [option.replace("{tmp}", str(temp_dir)) for option in options]

    plain, guarded = smoke_runs(tmp_path, temp_dir, options)

    assert plain.returncode == 0, describe(plain)
    assert guarded.returncode == plain.returncode, describe(guarded)
    assert guarded.stdout == plain.stdout, describe(guarded)
    assert filtered_stderr(guarded.stderr) == filtered_stderr(plain.stderr), describe(guarded)
    assert "tempfile unnamed b'unnamed'" in guarded.stdout, describe(guarded)
    assert os.listdir(temp_dir) == [], "the temp files were not cleaned up"


# ----- real tools under --profile block-all -----

# pip imports its vendored urllib3, whose import-time IPv6 probe binds a
# socket to ::1 port 0. block-all allows no loopback bind, so hermetic
# reports the bind when pip exits; urllib3 then assumes no IPv6.
# urllib3 probes IPv6 at import: a bind to ::1, or, where block-all's
# kernel layer refuses IP sockets, the socket itself.
URLLIB3_IPV6_PROBE = {
    "hermetic: blocked action: network disabled: bind(::1)",
    "hermetic: blocked action: network disabled: socket(AF_INET6)",
}


def tool_env(**extra):
    # No pip self-version check, so neither run ever tries the network.
    return clean_env(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INDEX="1", **extra)


def test_pip3_version_under_block_all():
    env = tool_env()
    plain = subprocess.run(["/usr/bin/pip3", "--version"], env=env, capture_output=True, text=True, timeout=120)

    result = run_hermetic(["--profile", "block-all", "--", "/usr/bin/pip3", "--version"], env=env)

    assert result.returncode == 0, describe(result)
    assert result.stdout == plain.stdout, describe(result)
    assert result.stdout.startswith("pip "), describe(result)
    assert set(relevant_blocked_lines(result.stderr)) <= URLLIB3_IPV6_PROBE, describe(result)


def test_pip3_list_under_block_all():
    env = tool_env()
    plain = subprocess.run(["/usr/bin/pip3", "list"], env=env, capture_output=True, text=True, timeout=120)

    result = run_hermetic(["--profile", "block-all", "--", "/usr/bin/pip3", "list"], env=env)

    assert result.returncode == 0, describe(result)
    assert result.stdout == plain.stdout, describe(result)
    assert re.search(r"^PyYAML\s", result.stdout, re.MULTILINE), describe(result)
    assert set(relevant_blocked_lines(result.stderr)) <= URLLIB3_IPV6_PROBE, describe(result)


def without_addresses(text):
    """Replace object addresses such as 0x7f8f32336dc0, which differ between runs."""
    return re.sub(r"0x[0-9a-f]+", "0xADDRESS", text)


def test_pydoc3_json_under_block_all():
    env = tool_env()
    plain = subprocess.run(["/usr/bin/pydoc3", "json"], env=env, capture_output=True, text=True, timeout=120)

    result = run_hermetic(["--profile", "block-all", "--", "/usr/bin/pydoc3", "json"], env=env)

    assert result.returncode == 0, describe(result)
    assert without_addresses(result.stdout) == without_addresses(plain.stdout), describe(result)
    assert "JSON (JavaScript Object Notation)" in result.stdout, describe(result)
    assert relevant_blocked_lines(result.stderr) == [], describe(result)


SAMPLE_SUITE = '''\
import json
import subprocess

import pytest

import hermetic


def test_json_round_trip():
    assert json.loads(json.dumps({"a": [1, 2]})) == {"a": [1, 2]}


@pytest.mark.parametrize("value", [1, 2, 3])
def test_positive(value):
    assert value > 0


def test_tmp_path_is_writable(tmp_path):
    (tmp_path / "file.txt").write_text("written")
    assert (tmp_path / "file.txt").read_text() == "written"


def test_subprocess_is_blocked():
    with pytest.raises(hermetic.PolicyViolation):
        subprocess.run(["true"])
'''


def make_suite(tmp_path):
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    (project / "tests" / "test_sample.py").write_text(SAMPLE_SUITE)
    temp = tmp_path / "tmp"
    temp.mkdir()
    return project, temp


def test_pytest_suite_under_block_all(tmp_path):
    project, temp = make_suite(tmp_path)

    result = run_hermetic(
        ["--profile", "block-all", "--allow-write", tmp_path, "--", "/usr/bin/pytest", "-p", "no:cacheprovider",
         "-q", "tests"],
        env=clean_env(TMPDIR=str(temp)),
        cwd=project,
    )

    assert result.returncode == 0, describe(result)
    assert "6 passed" in result.stdout, describe(result)


def test_pytest_suite_with_dev_null_writable(tmp_path):
    """The same run passes once /dev/null is writable, so /dev/null is the only obstacle."""
    project, temp = make_suite(tmp_path)

    result = run_hermetic(
        ["--profile", "block-all", "--allow-write", tmp_path, "--allow-write", "/dev/null", "--",
         "/usr/bin/pytest", "-p", "no:cacheprovider", "-q", "tests"],
        env=clean_env(TMPDIR=str(temp)),
        cwd=project,
    )

    assert result.returncode == 0, describe(result)
    assert "6 passed" in result.stdout, describe(result)


ANALYZER = '''\
"""Summarise a CSV file of measurements by group."""

import argparse
import csv
import json
import statistics
from collections import defaultdict


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--input", required=True, help="CSV file with group and value columns")
    args = parser.parse_args()

    values = defaultdict(list)
    with open(args.input, newline="") as stream:
        for row in csv.DictReader(stream):
            values[row["group"]].append(float(row["value"]))

    summary = {
        group: {"count": len(numbers), "mean": statistics.mean(numbers), "max": max(numbers)}
        for group, numbers in sorted(values.items())
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
'''

DATA_CSV = "group,value\na,1.5\nb,4\na,2.5\nb,6\nc,10\n"


def test_analyzer_under_block_all(tmp_path):
    (tmp_path / "my_analyzer.py").write_text(ANALYZER)
    (tmp_path / "data.csv").write_text(DATA_CSV)
    plain = subprocess.run(
        [PYTHON, "my_analyzer.py", "--input", "data.csv"],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )

    result = run_hermetic(
        ["--profile", "block-all", "--", "my_analyzer.py", "--input", "data.csv"], cwd=tmp_path
    )

    assert result.returncode == 0, describe(result)
    assert result.stdout == plain.stdout, describe(result)
    assert json.loads(result.stdout)["a"] == {"count": 2, "mean": 2.0, "max": 2.5}, describe(result)
    assert relevant_blocked_lines(result.stderr) == [], describe(result)


# ----- shipped profiles -----

PROBE_PROGRAM = '''\
import json
import os
import socket
import subprocess
import sys

PORT = int(sys.argv[1])
WORKDIR = sys.argv[2]
MARKER = os.path.join(WORKDIR, "exec-marker")
WRITTEN = os.path.join(WORKDIR, "written.txt")
SOCKET_PATH = os.path.join(WORKDIR, "probe.sock")


def try_action(action):
    try:
        action()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return "ok"


def connect_loopback():
    socket.create_connection(("127.0.0.1", PORT), timeout=5).close()


def bind_any_address():
    with socket.socket() as sock:
        sock.bind(("0.0.0.0", 0))


def bind_unix_socket():
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(SOCKET_PATH)


def run_touch():
    subprocess.run(["touch", MARKER], check=True)


def write_file():
    with open(WRITTEN, "w") as stream:
        stream.write("written")


def import_ctypes():
    import ctypes


results = {
    "connect": try_action(connect_loopback),
    "bind_any": try_action(bind_any_address),
    "unix_bind": try_action(bind_unix_socket),
    "exec": try_action(run_touch),
    "write": try_action(write_file),
    "native": try_action(import_ctypes),
}
with open("/proc/self/maps") as maps:
    results["ctypes_mapped"] = any("/_ctypes." in line for line in maps)
print(json.dumps(results))
'''


def probe(tmp_path, listener, options, *, cwd=None, env=None, executable=HERMETIC):
    """Run the probe under `options` and return its results and the side effects on disk."""
    workdir = tmp_path / "work"
    workdir.mkdir()
    program = tmp_path / "probe.py"
    program.write_text(PROBE_PROGRAM)
    command = [str(executable), *[str(o) for o in options]]
    if executable == HERMETIC:
        command.append("--")
        command.append(PYTHON)
    command += [str(program), str(listener.port), str(workdir)]
    result = subprocess.run(
        command, env=env or clean_env(), cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.strip(), describe(result)
    results = json.loads(result.stdout.strip().splitlines()[-1])
    effects = {
        "connections": listener.connections,
        "exec_marker": (workdir / "exec-marker").exists(),
        "written": (workdir / "written.txt").exists(),
        "unix_socket": (workdir / "probe.sock").exists(),
    }
    return results, effects, result


def is_violation(text):
    return text.startswith("PolicyViolation: ")


def show_policy(*options):
    result = run_hermetic([*options, "--show-policy"])
    assert result.returncode == 0, describe(result)
    return yaml.safe_load(result.stdout)


PROFILES = ["block-all", "exec-deny", "fs-readonly", "block-native", "default", "packaging", "test", "net-hermetic"]


@pytest.mark.parametrize("name", PROFILES)
def test_profile_loads(name):
    policy = show_policy("--profile", name)

    assert policy["version"] == 1
    assert set(policy) >= {"network", "subprocess", "filesystem", "native"}


@pytest.mark.parametrize("name", PROFILES)
def test_profile_listed(name):
    result = run_hermetic(["--list-profiles"])

    assert result.returncode == 0, describe(result)
    assert re.search(rf"^{re.escape(name)}\s+\S", result.stdout, re.MULTILINE), describe(result)


# profile -> the policy keys that --show-policy must report
EXPECTED_POLICY = {
    "block-all": {
        ("network", "block"): True,
        ("network", "allow_localhost"): False,
        ("subprocess", "block"): True,
        ("filesystem", "readonly"): True,
        ("native", "block"): True,
        ("kernel",): "auto",
    },
    "exec-deny": {
        ("network", "block"): False,
        ("subprocess", "block"): True,
        ("filesystem", "readonly"): False,
        ("native", "block"): False,
    },
    "fs-readonly": {
        ("network", "block"): False,
        ("subprocess", "block"): False,
        ("filesystem", "readonly"): True,
        ("native", "block"): False,
    },
    "block-native": {
        ("network", "block"): False,
        ("subprocess", "block"): False,
        ("filesystem", "readonly"): False,
        ("native", "block"): True,
    },
    "default": {
        ("network", "block"): True,
        ("subprocess", "block"): True,
        ("filesystem", "readonly"): False,
        ("native", "block"): True,
    },
    "packaging": {
        ("network", "block"): True,
        ("subprocess", "block"): True,
        ("filesystem", "readonly"): True,
    },
    "test": {
        ("network", "block"): True,
        ("network", "allow_localhost"): True,
        ("network", "allow_unix_sockets"): True,
        ("subprocess", "block"): False,
        ("filesystem", "readonly"): False,
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED_POLICY))
def test_profile_policy_values(name):
    policy = show_policy("--profile", name)

    for keys, expected in EXPECTED_POLICY[name].items():
        value = policy
        for key in keys:
            value = value[key]
        assert value == expected, f"{name}: {'.'.join(keys)} is {value!r}, expected {expected!r}"


def test_block_all_blocks_everything(tmp_path, tcp_listener):
    results, effects, result = probe(tmp_path, tcp_listener, ["--profile", "block-all"])

    assert effects["connections"] == 0, describe(result)
    assert is_violation(results["connect"]), results
    assert is_violation(results["bind_any"]), results
    assert is_violation(results["unix_bind"]), results
    assert not effects["unix_socket"], results
    assert is_violation(results["exec"]), results
    assert not effects["exec_marker"], results
    assert is_violation(results["write"]), results
    assert not effects["written"], results
    assert is_violation(results["native"]), results
    assert not results["ctypes_mapped"], results


def test_exec_deny_blocks_only_processes(tmp_path, tcp_listener):
    results, effects, result = probe(tmp_path, tcp_listener, ["--profile", "exec-deny"])

    assert is_violation(results["exec"]), results
    assert not effects["exec_marker"], results
    assert results["connect"] == "ok", results
    assert effects["connections"] == 1, describe(result)
    assert results["write"] == "ok", results
    assert effects["written"], results
    assert results["native"] == "ok", results


def test_fs_readonly_blocks_only_writes(tmp_path, tcp_listener):
    results, effects, result = probe(tmp_path, tcp_listener, ["--profile", "fs-readonly"])

    assert is_violation(results["write"]), results
    assert not effects["written"], results
    assert is_violation(results["unix_bind"]), results
    assert not effects["unix_socket"], results
    assert results["exec"] == "ok", results
    assert effects["exec_marker"], results
    assert results["connect"] == "ok", results
    assert results["native"] == "ok", results


def test_block_native_blocks_only_native(tmp_path, tcp_listener):
    results, effects, result = probe(tmp_path, tcp_listener, ["--profile", "block-native"])

    assert is_violation(results["native"]), results
    assert not results["ctypes_mapped"], results
    assert results["exec"] == "ok", results
    assert effects["exec_marker"], results
    assert results["write"] == "ok", results
    assert effects["written"], results
    assert results["connect"] == "ok", results


def test_default_profile_blocks_network_processes_native(tmp_path, tcp_listener):
    results, effects, result = probe(tmp_path, tcp_listener, ["--profile", "default"])

    assert is_violation(results["connect"]), results
    assert effects["connections"] == 0, describe(result)
    assert is_violation(results["exec"]), results
    assert not effects["exec_marker"], results
    assert is_violation(results["native"]), results
    assert not results["ctypes_mapped"], results
    assert results["write"] == "ok", results
    assert effects["written"], results


def test_hermetic_python_applies_default(tmp_path, tcp_listener):
    results, effects, result = probe(tmp_path, tcp_listener, [], executable=HERMETIC_PYTHON)

    assert is_violation(results["connect"]), results
    assert effects["connections"] == 0, describe(result)
    assert is_violation(results["exec"]), results
    assert not effects["exec_marker"], results
    assert is_violation(results["native"]), results
    assert results["write"] == "ok", results


def test_test_profile_allows_loopback_and_unix_sockets(tmp_path, tcp_listener):
    results, effects, result = probe(tmp_path, tcp_listener, ["--profile", "test"])

    assert results["connect"] == "ok", results
    assert effects["connections"] == 1, describe(result)
    assert results["unix_bind"] == "ok", results
    assert effects["unix_socket"], results
    assert is_violation(results["bind_any"]), results
    assert results["exec"] == "ok", results
    assert results["write"] == "ok", results


def packaging_project(tmp_path):
    project = tmp_path / "project"
    for name in ("build", "dist", "demo.egg-info"):
        (project / name).mkdir(parents=True)
    temp = tmp_path / "tmp"
    temp.mkdir()
    return project, temp


PACKAGING_WRITES = '''\
import json
import os
import sys
import tempfile


def try_write(path):
    try:
        with open(path, "w") as stream:
            stream.write("x")
    except Exception as exc:
        return type(exc).__name__
    return "ok"


results = {name: try_write(name) for name in sys.argv[1:]}
results["tempfile"] = try_write(os.path.join(tempfile.gettempdir(), "temp.txt"))
print(json.dumps(results))
'''


def test_packaging_profile_writes(tmp_path):
    project, temp = packaging_project(tmp_path)
    program = tmp_path / "writes.py"
    program.write_text(PACKAGING_WRITES)
    targets = ["build/a.o", "dist/demo.whl", "demo.egg-info/PKG-INFO", "setup.cfg", "src-new.py"]

    result = run_hermetic(
        ["--profile", "packaging", "--", PYTHON, program, *targets], cwd=project, env=clean_env(TMPDIR=str(temp))
    )

    results = json.loads(result.stdout)
    assert results["build/a.o"] == "ok", describe(result)
    assert results["dist/demo.whl"] == "ok", describe(result)
    assert results["demo.egg-info/PKG-INFO"] == "ok", describe(result)
    assert results["tempfile"] == "ok", describe(result)
    assert (temp / "temp.txt").exists()
    assert results["setup.cfg"] == "PolicyViolation", describe(result)
    assert not (project / "setup.cfg").exists()
    assert results["src-new.py"] == "PolicyViolation", describe(result)
    assert not (project / "src-new.py").exists()


def test_packaging_profile_blocks_network_and_processes(tmp_path, tcp_listener):
    project, temp = packaging_project(tmp_path)

    results, effects, result = probe(
        tmp_path, tcp_listener, ["--profile", "packaging"], cwd=project, env=clean_env(TMPDIR=str(temp))
    )

    assert is_violation(results["connect"]), results
    assert effects["connections"] == 0, describe(result)
    assert is_violation(results["exec"]), results
    assert not effects["exec_marker"], results


def test_packaging_profile_allows_python_children(tmp_path):
    project, temp = packaging_project(tmp_path)

    result = run_hermetic(
        ["--profile", "packaging", "--", PYTHON, "-c",
         "import subprocess, sys; subprocess.run([sys.executable, '-c', 'print(\"child ran\")'], check=True)"],
        cwd=project,
        env=clean_env(TMPDIR=str(temp)),
    )

    assert result.returncode == 0, describe(result)
    assert "child ran" in result.stdout, describe(result)
