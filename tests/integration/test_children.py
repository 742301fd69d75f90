"""Python children of a program under hermetic run under the same policy.

hermetic sets sys.executable to build/hermetic-python and passes its
policy to children started through it, whatever environment the program
builds for them. Each test runs a parent program under hermetic, and its
children run CHILD. CHILD reports what it could do on RESULT lines, which
reach the test through the inherited standard output. The tests also check
that nothing reached the loopback listener and that no marker file
appeared.
"""

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from api_support import child_env, results_of, settled_connections, write_program
from attempts import describe
from conftest import CLEAN_PATH, HERMETIC, PYTHON, run

TOUCH = shutil.which("touch", path=CLEAN_PATH)

# The path hermetic gives sys.executable: hermetic-python beside the real
# path of the hermetic binary.
EXPECTED_EXECUTABLE = os.path.join(os.path.dirname(os.path.realpath(HERMETIC)), "hermetic-python")

# Run as `CHILD LABEL [MARKER]`: reports its pid, sys.prefix and
# sys.executable under LABEL, tries to connect to PORT unless PORT is None,
# and tries to run touch MARKER if a marker is given.
CHILD = """
label = sys.argv[1]
values = {
    label + "_pid": os.getpid(),
    label + "_prefix": sys.prefix,
    label + "_executable": sys.executable,
}
if PORT is not None:
    values[label] = outcome(connect, PORT)
if len(sys.argv) > 2:
    values[label + "_run"] = outcome(run_program, TOUCH, sys.argv[2])
report(**values)
"""


def write_child(tmp_path, port=None):
    return write_program(tmp_path / "child.py", CHILD, PORT=port, TOUCH=TOUCH)


def run_parent(tmp_path, body, *options, env=None, cwd=None, **constants):
    """Write `body` as program.py and run it under hermetic `options` with /usr/bin/python3."""
    program = write_program(tmp_path / "program.py", body, **constants)
    return run([HERMETIC, *options, "--", PYTHON, program], env=env if env is not None else child_env(), cwd=cwd)


@pytest.mark.parametrize("form", ["python3 FILE", "FILE", "python3 -c"])
def test_sys_executable_is_hermetic_python(tmp_path, form):
    program = write_program(tmp_path / "program.py", "report(executable=sys.executable)")
    command = {
        "python3 FILE": [PYTHON, program],
        "FILE": [program],
        "python3 -c": [PYTHON, "-c", program.read_text()],
    }[form]

    result = run([HERMETIC, "--", *command], env=child_env())

    assert results_of(result)["executable"] == EXPECTED_EXECUTABLE, describe(result)
    assert os.access(EXPECTED_EXECUTABLE, os.X_OK)


# The `env` argument the parent passes to subprocess.run, as Python source.
CHILD_ENVIRONMENTS = {
    "inherited": "None",
    "empty": "{}",
    "policy-removed": "{k: v for k, v in os.environ.items() if k != 'HERMETIC_POLICY'}",
    "all-hermetic-removed": "{k: v for k, v in os.environ.items() if not k.startswith('HERMETIC_')}",
    "empty-policy": "dict(os.environ, HERMETIC_POLICY='')",
    "weaker-policy": "dict(os.environ, HERMETIC_POLICY='version: 1\\n')",
    "network-allowed": "dict(os.environ, HERMETIC_POLICY='version: 1\\nnetwork: {block: false}\\n')",
}


@pytest.mark.parametrize("environment", list(CHILD_ENVIRONMENTS))
def test_child_keeps_policy(tmp_path, tcp_listener, environment):
    child = write_child(tmp_path, tcp_listener.port)

    result = run_parent(
        tmp_path,
        f"""
        completed = subprocess.run([sys.executable, CHILD, "child"], env={CHILD_ENVIRONMENTS[environment]})
        report(child_status=completed.returncode, parent_pid=os.getpid())
        """,
        "--no-network",
        CHILD=str(child),
    )

    values = results_of(result)
    assert values["child_status"] == 0, describe(result)
    assert values["child_pid"] != values["parent_pid"], describe(result)
    assert values["child_executable"] == EXPECTED_EXECUTABLE, describe(result)
    assert values["child"] == "blocked", describe(result)
    assert settled_connections(tcp_listener) == 0


def test_child_connects_without_policy(tmp_path, tcp_listener):
    """The control for test_child_keeps_policy: with no policy the child's connect arrives."""
    child = write_child(tmp_path, tcp_listener.port)

    result = run_parent(
        tmp_path,
        """
        subprocess.run([sys.executable, CHILD, "child"], env={})
        """,
        CHILD=str(child),
    )

    assert results_of(result)["child"] == "ok", describe(result)
    assert settled_connections(tcp_listener) == 1


MULTIPROCESSING_PARENT = """
import concurrent.futures
import multiprocessing


def attempt(_=None):
    return [os.getpid(), outcome(connect, PORT)]


def put_attempt(queue):
    queue.put(attempt())


def main():
    context = multiprocessing.get_context(METHOD)
    if POOL:
        with concurrent.futures.ProcessPoolExecutor(2, mp_context=context) as pool:
            children = list(pool.map(attempt, range(2)))
    else:
        queue = context.Queue()
        process = context.Process(target=put_attempt, args=(queue,))
        process.start()
        children = [queue.get(timeout=60)]
        process.join(60)
    report(parent_pid=os.getpid(), children=children)


if __name__ == "__main__":
    main()
"""

# start method, whether to use ProcessPoolExecutor, hermetic's options.
# The parent talks to the forkserver process over an AF_UNIX socket, which
# --no-network blocks unless --allow-unix-socket allows it.
MULTIPROCESSING_CASES = {
    "spawn": ("spawn", False, ["--no-network"]),
    "forkserver": ("forkserver", False, ["--no-network", "--allow-unix-socket"]),
    "fork": ("fork", False, ["--no-network"]),
    "pool-spawn": ("spawn", True, ["--no-network"]),
    "pool-fork": ("fork", True, ["--no-network"]),
}


@pytest.mark.parametrize("policy", ["blocked", "control"])
@pytest.mark.parametrize("case", list(MULTIPROCESSING_CASES))
def test_multiprocessing_children(tmp_path, tcp_listener, case, policy):
    method, pool, options = MULTIPROCESSING_CASES[case]
    if policy == "control":
        options = []

    result = run_parent(
        tmp_path, MULTIPROCESSING_PARENT, *options, PORT=tcp_listener.port, METHOD=method, POOL=pool
    )

    values = results_of(result)
    assert values["children"], describe(result)
    for pid, attempt in values["children"]:
        assert pid != values["parent_pid"], describe(result)
        assert attempt == ("blocked" if policy == "blocked" else "ok"), describe(result)
    expected = 0 if policy == "blocked" else len(values["children"])
    assert settled_connections(tcp_listener) == expected


BLOCKER_PARENT = """
import multiprocessing


def child_attempt(label):
    report(**{label: outcome(connect, PORT)})


def start(label):
    if HOW == "subprocess":
        subprocess.run([sys.executable, CHILD, label], check=True)
    else:
        process = multiprocessing.get_context("spawn").Process(target=child_attempt, args=(label,))
        process.start()
        process.join(60)


if __name__ == "__main__":
    with hermetic.hermetic_blocker(block_network=True):
        start("inside")
    start("after")
"""


@pytest.mark.parametrize("how", ["subprocess", "spawn"])
def test_blocker_reaches_child(tmp_path, tcp_listener, how):
    child = write_child(tmp_path, tcp_listener.port)

    result = run_parent(tmp_path, BLOCKER_PARENT, PORT=tcp_listener.port, CHILD=str(child), HOW=how)

    values = results_of(result)
    assert values["inside"] == "blocked", describe(result)
    assert values["after"] == "ok", describe(result)
    assert settled_connections(tcp_listener) == 1


VENV_TOOL = """
completed = subprocess.run([sys.executable, CHILD, "child"], env=CHILD_ENV)
report(parent_prefix=sys.prefix, parent_executable=sys.executable, child_status=completed.returncode)
"""


@pytest.mark.parametrize("child_environment", ["inherited", "empty"])
@pytest.mark.parametrize("invocation", ["path", "PATH-lookup"])
def test_venv_script_children_stay_in_venv(tmp_path, venv, tcp_listener, invocation, child_environment):
    child = write_child(tmp_path, tcp_listener.port)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tool = bin_dir / "venv-tool"
    source = write_program(
        tmp_path / "tool-source.py",
        VENV_TOOL,
        CHILD=str(child),
        CHILD_ENV=None if child_environment == "inherited" else {},
    ).read_text()
    tool.write_text(f"#!{venv}/bin/python\n{source}")
    tool.chmod(0o755)
    command = tool if invocation == "path" else tool.name

    result = run(
        [HERMETIC, "--no-network", "--", command], env=child_env(PATH=f"{bin_dir}:{CLEAN_PATH}")
    )

    values = results_of(result)
    assert values["parent_prefix"] == str(venv), describe(result)
    assert values["parent_executable"] == EXPECTED_EXECUTABLE, describe(result)
    assert values["child_status"] == 0, describe(result)
    assert values["child_prefix"] == str(venv), describe(result)
    assert values["child_executable"] == EXPECTED_EXECUTABLE, describe(result)
    assert values["child"] == "blocked", describe(result)
    assert settled_connections(tcp_listener) == 0


# setup.py of the project below: it runs in the build backend, a child of
# `python3 -m build`, and tries to connect, to run true and to run touch.
SETUP_PY = """
from setuptools import setup

report(
    backend_pid=os.getpid(),
    backend_executable=sys.executable,
    connect=outcome(connect, PORT),
    true=outcome(run_program, "true"),
    touch=outcome(run_program, TOUCH, MARKER),
)
setup()
"""

PYPROJECT_TOML = """\
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "tinypkg"
version = "0.1"
"""


def test_packaging_profile_builds_wheel(tmp_path, tcp_listener):
    project = tmp_path / "project"
    (project / "tinypkg").mkdir(parents=True)
    (project / "tinypkg" / "__init__.py").write_text("VALUE = 1\n")
    (project / "pyproject.toml").write_text(PYPROJECT_TOML)
    marker = tmp_path / "touched"
    write_program(project / "setup.py", SETUP_PY, PORT=tcp_listener.port, TOUCH=TOUCH, MARKER=str(marker))
    temp = tmp_path / "tmp"
    temp.mkdir()

    # Popen, for the pid of hermetic, which runs the build frontend in-process.
    process = subprocess.Popen(
        [HERMETIC, "--profile", "packaging", "--", PYTHON, "-m", "build", "--no-isolation", "--wheel"],
        cwd=project,
        env=child_env(TMPDIR=temp),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stdout, stderr = process.communicate(timeout=300)
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)

    assert result.returncode == 0, describe(result)
    wheel = project / "dist" / "tinypkg-0.1-py3-none-any.whl"
    assert wheel.exists(), describe(result)
    assert "tinypkg/__init__.py" in zipfile.ZipFile(wheel).namelist()
    values = results_of(result)
    assert values["backend_pid"] != process.pid, describe(result)
    assert values["backend_executable"] == EXPECTED_EXECUTABLE, describe(result)
    assert values["connect"] == "blocked", describe(result)
    assert values["true"] == "blocked", describe(result)
    assert values["touch"] == "blocked", describe(result)
    assert not marker.exists()
    assert settled_connections(tcp_listener) == 0


@pytest.mark.parametrize("layout", ["flat", "src"])
def test_packaging_profile_builds_sdist_and_wheel(tmp_path, layout):
    """setuptools assembles the sdist in NAME-VERSION/ and, in a src layout, writes src/NAME.egg-info."""
    project = tmp_path / "project"
    package = project / "src" / "tinypkg" if layout == "src" else project / "tinypkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("VALUE = 1\n")
    (project / "pyproject.toml").write_text(PYPROJECT_TOML)
    before = {path.relative_to(project) for path in project.rglob("*")}
    temp = tmp_path / "tmp"
    temp.mkdir()

    result = run(
        [HERMETIC, "--profile", "packaging", "--", PYTHON, "-m", "build", "--no-isolation"],
        cwd=project,
        env=child_env(TMPDIR=temp),
    )

    assert result.returncode == 0, describe(result)
    assert (project / "dist" / "tinypkg-0.1.tar.gz").exists(), describe(result)
    assert (project / "dist" / "tinypkg-0.1-py3-none-any.whl").exists(), describe(result)
    allowed = [Path("build"), Path("dist"), Path("tinypkg.egg-info"), Path("src/tinypkg.egg-info")]
    created = {path.relative_to(project) for path in project.rglob("*")} - before
    unexpected = [path for path in created if not any(path == a or a in path.parents for a in allowed)]
    assert unexpected == [], unexpected


def test_allow_exec_hermetic_python(tmp_path):
    """hermetic-python children run, also when started as python3, which then runs as hermetic-python."""
    child = write_child(tmp_path)
    child_marker, parent_marker, python_marker = (tmp_path / name for name in ("child", "parent", "python3"))

    result = run_parent(
        tmp_path,
        """
        report(
            python_child=outcome(run_program, sys.executable, CHILD, "child", CHILD_MARKER),
            touch=outcome(run_program, TOUCH, PARENT_MARKER),
            debian_python=outcome(run_program, PYTHON, CHILD, "debian", PYTHON_MARKER),
            shell=outcome(run_program, "/bin/sh", "-c", "true"),
        )
        """,
        "--no-subprocess",
        "--allow-exec",
        "hermetic-python",
        CHILD=str(child),
        CHILD_MARKER=str(child_marker),
        TOUCH=TOUCH,
        PARENT_MARKER=str(parent_marker),
        PYTHON=PYTHON,
        PYTHON_MARKER=str(python_marker),
    )

    values = results_of(result)
    assert values["python_child"] == "ok", describe(result)
    assert values["child_executable"] == EXPECTED_EXECUTABLE, describe(result)
    assert values["child_run"] == "blocked", describe(result)
    assert values["touch"] == "blocked", describe(result)
    assert values["shell"] == "blocked", describe(result)
    assert values["debian_python"] == "ok", describe(result)
    assert values["debian_executable"] == EXPECTED_EXECUTABLE, describe(result)
    assert values["debian_run"] == "blocked", describe(result)
    assert not child_marker.exists()
    assert not parent_marker.exists()
    assert not python_marker.exists()


# How the parent starts `sys.executable -c WRITE` without subprocess: the
# hermetic option or the hermetic_blocker keyword that makes the policy
# read-only, and the call.
DIRECT_START_CASES = {
    "posix_spawn-empty-env": ("--fs-readonly", False, "os.posix_spawn(sys.executable, ARGV, {})"),
    "posix_spawn-in-blocker": (None, True, "os.posix_spawn(sys.executable, ARGV, dict(os.environ))"),
    "spawnv-in-blocker": (None, True, "os.spawnv(os.P_NOWAIT, sys.executable, ARGV)"),
}


@pytest.mark.parametrize("case", list(DIRECT_START_CASES))
def test_direct_start_child_keeps_policy(tmp_path, case):
    option, in_blocker, start = DIRECT_START_CASES[case]
    marker = tmp_path / "marker"
    body = f"""
        ARGV = [sys.executable, "-c", f"open({{MARKER!r}}, 'w').close()"]
        with hermetic.hermetic_blocker(fs_readonly=IN_BLOCKER):
            pid = {start}
            _, status = os.waitpid(pid, 0)
        report(child_status=os.waitstatus_to_exitcode(status))
    """

    result = run_parent(tmp_path, body, *([option] if option else []), MARKER=str(marker), IN_BLOCKER=in_blocker)

    values = results_of(result)
    assert not marker.exists(), describe(result)
    assert values["child_status"] == 77, describe(result)


# Python children started without sys.executable: the program names
# python3, a venv's python or a Python script itself. hermetic starts each
# as hermetic-python. Each entry: how the parent starts CHILD (Python
# source, with PROGRAM the command as a list whose first item is run).
OTHER_NAMES = {
    "run-python3-path": "subprocess.run(PROGRAM + [CHILD, 'child'])",
    "run-python3-name": "subprocess.run(['python3'] + PROGRAM[1:] + [CHILD, 'child'])",
    "popen-shell-false-env": "subprocess.Popen(PROGRAM + [CHILD, 'child'], env={'PATH': os.environ['PATH']}).wait()",
    "posix_spawn": "os.waitpid(os.posix_spawn(PROGRAM[0], PROGRAM + [CHILD, 'child'], dict(os.environ)), 0)",
    "posix_spawnp": "os.waitpid(os.posix_spawnp('python3', ['python3', CHILD, 'child'], dict(os.environ)), 0)",
    "fork-execv": (
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    os.execv(PROGRAM[0], PROGRAM + [CHILD, 'child'])\n"
        "os.waitpid(pid, 0)"
    ),
    "fork-execve": (
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    os.execve(PROGRAM[0], PROGRAM + [CHILD, 'child'], {})\n"
        "os.waitpid(pid, 0)"
    ),
}


@pytest.mark.parametrize("case", list(OTHER_NAMES))
def test_python_child_by_other_name_keeps_policy(tmp_path, tcp_listener, case):
    child = write_child(tmp_path, tcp_listener.port)
    body = "report(parent_pid=os.getpid())\n" + OTHER_NAMES[case]

    result = run_parent(tmp_path, body, "--no-network", CHILD=str(child), PROGRAM=[PYTHON])

    values = results_of(result)
    assert values.get("child") == "blocked", describe(result)
    assert values["child_executable"] == EXPECTED_EXECUTABLE, describe(result)
    assert values["child_pid"] != values["parent_pid"], describe(result)
    assert settled_connections(tcp_listener) == 0


def test_python_child_by_other_name_control(tmp_path, tcp_listener):
    """Without a policy the same child, started as python3, connects."""
    child = write_child(tmp_path, tcp_listener.port)

    result = run_parent(tmp_path, OTHER_NAMES["run-python3-path"], CHILD=str(child), PROGRAM=[PYTHON])

    assert results_of(result)["child"] == "ok", describe(result)
    assert settled_connections(tcp_listener) == 1


@pytest.mark.parametrize("policy", [["--no-network"], []], ids=["no-network", "control"])
def test_python3_shim_child_runs_embedded(tmp_path, tcp_listener, policy):
    """A child that runs python3 by name, where PATH finds a wrapper script first (a pyenv shim),
    starts as hermetic-python on the embedded Python, as hermetic's own command would."""
    child = write_child(tmp_path, tcp_listener.port)
    shims = tmp_path / "shims"
    shims.mkdir()
    shim = shims / "python3"
    shim.write_text(f'#!/bin/sh\nexec {PYTHON} "$@"\n')
    shim.chmod(0o755)
    body = "report(parent_pid=os.getpid())\nsubprocess.run(['python3', CHILD, 'child'])"
    env = child_env(PATH=f"{shims}:{CLEAN_PATH}")

    result = run_parent(tmp_path, body, *policy, env=env, CHILD=str(child))

    values = results_of(result)
    if policy:
        assert values.get("child") == "blocked", describe(result)
        assert values["child_executable"] == EXPECTED_EXECUTABLE, describe(result)
        assert f"{shim} is a wrapper script" in result.stderr, describe(result)
        assert settled_connections(tcp_listener) == 0
    else:
        assert values.get("child") == "ok", describe(result)
        assert settled_connections(tcp_listener) == 1


@pytest.mark.parametrize("line", ["#!/usr/bin/python3", "#!/usr/bin/env python3", "#!/usr/bin/python3 -I"])
def test_python_script_child_keeps_policy(tmp_path, tcp_listener, line):
    """A script whose #! line runs python3 starts as hermetic-python SCRIPT, with its #! options."""
    child = write_child(tmp_path, tcp_listener.port)
    script = tmp_path / "tool"
    script.write_text(line + "\n" + child.read_text())
    script.chmod(0o755)
    body = "report(parent_pid=os.getpid())\nsubprocess.run([SCRIPT, 'child'])"

    result = run_parent(tmp_path, body, "--no-network", SCRIPT=str(script))

    values = results_of(result)
    assert values.get("child") == "blocked", describe(result)
    assert values["child_executable"] == EXPECTED_EXECUTABLE, describe(result)
    assert settled_connections(tcp_listener) == 0


def test_venv_python_child_keeps_venv_and_policy(tmp_path, venv, tcp_listener):
    """A venv's python started by path stays in its venv, under the policy."""
    child = write_child(tmp_path, tcp_listener.port)
    body = "report(parent_pid=os.getpid())\nsubprocess.run([VENV_PYTHON, CHILD, 'child'])"

    result = run_parent(tmp_path, body, "--no-network", CHILD=str(child), VENV_PYTHON=str(venv / "bin" / "python"))

    values = results_of(result)
    assert values.get("child") == "blocked", describe(result)
    assert values["child_prefix"] == str(venv), describe(result)
    assert settled_connections(tcp_listener) == 0


def test_non_python_child_runs_as_asked(tmp_path):
    """A shell script and an ELF program run as they are: the policy does not follow them."""
    marker = tmp_path / "marker"
    script = tmp_path / "job.sh"
    script.write_text(f"#!/bin/sh\necho \"$0\" > {marker}\n")
    script.chmod(0o755)
    body = "r = subprocess.run([SCRIPT]); report(status=r.returncode)"

    result = run_parent(tmp_path, body, "--no-network", SCRIPT=str(script))

    assert results_of(result)["status"] == 0, describe(result)
    assert marker.read_text() == f"{script}\n"
