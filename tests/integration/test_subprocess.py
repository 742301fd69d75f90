"""The subprocess guard (--no-subprocess, --allow-exec) against every way to start a process.

Each technique would create a marker file if a process started. The blocked
test checks that the marker is missing and that the program saw a
hermetic.PolicyViolation that is also a PermissionError. The unguarded test
runs the same program under hermetic with no options and checks that the
marker appears, so a technique that fails for another reason cannot pass
the blocked test by accident.
"""

import os
import shutil

import pytest

from attempts import describe, outcome_of, run_program, write_program
from conftest import CLEAN_PATH, HERMETIC, blocked_lines, clean_env

TOUCH = shutil.which("touch", path=CLEAN_PATH)

# Helpers shared by the programs: module level, so multiprocessing's spawn
# and forkserver children can import them by name.
SETUP = """
import os

MARKER = {marker!r}
TOUCH = {touch!r}


def write_marker(path):
    with open(path, "w") as stream:
        stream.write("ran")


def fork_exec_arguments(fork_exec_args):
    # The 23 arguments of _posixsubprocess.fork_exec in CPython 3.11.2, in
    # the order multiprocessing.util.spawnv_passfds passes them.
    import subprocess

    errpipe_read, errpipe_write = os.pipe()
    return (
        fork_exec_args, [TOUCH.encode()], True, (), None, None,
        -1, -1, -1, -1, -1, -1, errpipe_read, errpipe_write,
        False, False, -1, None, None, None, -1, None,
        subprocess._USE_VFORK,
    )


def wait_for(pid):
    os.waitpid(pid, 0)
"""

# name -> body. Each body starts a process that would create MARKER.
TECHNIQUES = {
    "subprocess_run": """
        import subprocess
        subprocess.run(["touch", MARKER])
    """,
    "subprocess_popen": """
        import subprocess
        subprocess.Popen(["touch", MARKER]).wait()
    """,
    "subprocess_call": """
        import subprocess
        subprocess.call(["touch", MARKER])
    """,
    "subprocess_check_output": """
        import subprocess
        subprocess.check_output(["touch", MARKER])
    """,
    "subprocess_shell_true": """
        import subprocess
        subprocess.run("touch " + MARKER, shell=True)
    """,
    "subprocess_executable_argument": """
        import subprocess
        subprocess.run(["innocent-name", MARKER], executable=TOUCH)
    """,
    "os_system": """
        os.system("touch " + MARKER)
    """,
    "os_popen": """
        os.popen("touch " + MARKER).close()
    """,
    "os_execv": """
        os.execv(TOUCH, ["touch", MARKER])
    """,
    "os_execve": """
        os.execve(TOUCH, ["touch", MARKER], dict(os.environ))
    """,
    "os_execl": """
        os.execl(TOUCH, "touch", MARKER)
    """,
    "os_execle": """
        os.execle(TOUCH, "touch", MARKER, dict(os.environ))
    """,
    "os_execlp": """
        os.execlp("touch", "touch", MARKER)
    """,
    "os_execlpe": """
        os.execlpe("touch", "touch", MARKER, dict(os.environ))
    """,
    "os_execvp": """
        os.execvp("touch", ["touch", MARKER])
    """,
    "os_execvpe": """
        os.execvpe("touch", ["touch", MARKER], dict(os.environ))
    """,
    "os_spawnl": """
        os.spawnl(os.P_WAIT, TOUCH, "touch", MARKER)
    """,
    "os_spawnle": """
        os.spawnle(os.P_WAIT, TOUCH, "touch", MARKER, dict(os.environ))
    """,
    "os_spawnlp": """
        os.spawnlp(os.P_WAIT, "touch", "touch", MARKER)
    """,
    "os_spawnlpe": """
        os.spawnlpe(os.P_WAIT, "touch", "touch", MARKER, dict(os.environ))
    """,
    "os_spawnv": """
        os.spawnv(os.P_WAIT, TOUCH, ["touch", MARKER])
    """,
    "os_spawnve": """
        os.spawnve(os.P_WAIT, TOUCH, ["touch", MARKER], dict(os.environ))
    """,
    "os_spawnvp": """
        os.spawnvp(os.P_WAIT, "touch", ["touch", MARKER])
    """,
    "os_spawnvpe": """
        os.spawnvpe(os.P_WAIT, "touch", ["touch", MARKER], dict(os.environ))
    """,
    "os_posix_spawn": """
        wait_for(os.posix_spawn(TOUCH, ["touch", MARKER], dict(os.environ)))
    """,
    "os_posix_spawnp": """
        wait_for(os.posix_spawnp("touch", ["touch", MARKER], dict(os.environ)))
    """,
    "os_fork": """
        pid = os.fork()
        if pid == 0:
            write_marker(MARKER)
            os._exit(0)
        wait_for(pid)
    """,
    "os_forkpty": """
        pid, fd = os.forkpty()
        if pid == 0:
            write_marker(MARKER)
            os._exit(0)
        wait_for(pid)
    """,
    "pty_spawn": """
        import pty
        pty.spawn(["touch", MARKER])
    """,
    "asyncio_create_subprocess_exec": """
        import asyncio

        async def run():
            process = await asyncio.create_subprocess_exec("touch", MARKER)
            await process.wait()

        asyncio.run(run())
    """,
    "asyncio_create_subprocess_shell": """
        import asyncio

        async def run():
            process = await asyncio.create_subprocess_shell("touch " + MARKER)
            await process.wait()

        asyncio.run(run())
    """,
    "multiprocessing_spawn": """
        import multiprocessing
        process = multiprocessing.get_context("spawn").Process(target=write_marker, args=(MARKER,))
        process.start()
        process.join()
    """,
    "multiprocessing_forkserver": """
        import multiprocessing
        process = multiprocessing.get_context("forkserver").Process(target=write_marker, args=(MARKER,))
        process.start()
        process.join()
    """,
    "multiprocessing_fork": """
        import multiprocessing
        process = multiprocessing.get_context("fork").Process(target=write_marker, args=(MARKER,))
        process.start()
        process.join()
    """,
    "process_pool_executor": """
        from concurrent.futures import ProcessPoolExecutor
        with ProcessPoolExecutor(max_workers=1) as pool:
            pool.submit(write_marker, MARKER).result()
    """,
    "multiprocessing_util_spawnv_passfds": """
        import multiprocessing.util
        wait_for(multiprocessing.util.spawnv_passfds(TOUCH.encode(), [b"touch", MARKER.encode()], ()))
    """,
    "subprocess_private_fork_exec": """
        import subprocess
        wait_for(subprocess._fork_exec(*fork_exec_arguments([b"touch", MARKER.encode()])))
    """,
    "posixsubprocess_fork_exec": """
        import _posixsubprocess
        wait_for(_posixsubprocess.fork_exec(*fork_exec_arguments([b"touch", MARKER.encode()])))
    """,
    "posixsubprocess_recreated_with_create_builtin": """
        import _imp
        import importlib.machinery
        module = _imp.create_builtin(importlib.machinery.ModuleSpec("_posixsubprocess", None))
        wait_for(module.fork_exec(*fork_exec_arguments([b"touch", MARKER.encode()])))
    """,
    "posixsubprocess_reimported": """
        import sys
        import _posixsubprocess
        del sys.modules["_posixsubprocess"]
        import _posixsubprocess as fresh
        wait_for(fresh.fork_exec(*fork_exec_arguments([b"touch", MARKER.encode()])))
    """,
    "posix_execv": """
        import posix
        posix.execv(TOUCH, ["touch", MARKER])
    """,
    "posix_fork": """
        import posix
        pid = posix.fork()
        if pid == 0:
            write_marker(MARKER)
            os._exit(0)
        wait_for(pid)
    """,
}

def technique_program(tmp_path, name, marker):
    setup = SETUP.format(marker=str(marker), touch=TOUCH)
    return write_program(tmp_path, TECHNIQUES[name], setup=setup)


@pytest.mark.parametrize("name", sorted(TECHNIQUES))
def test_technique_blocked(tmp_path, name):
    marker = tmp_path / "marker"
    program = technique_program(tmp_path, name, marker)

    result = run_program(program, "--no-subprocess", input="", timeout=60)

    outcome = outcome_of(result)
    assert not marker.exists(), describe(result)
    assert outcome["violation"], outcome
    assert outcome["permission_error"], outcome
    assert outcome["guard"] == "subprocess", outcome
    assert outcome["message"].startswith("subprocess disabled: "), outcome
    assert str(marker) not in outcome["message"], "a blocked message must not show the arguments"
    assert result.returncode == 0, describe(result)
    assert blocked_lines(result.stderr), describe(result)


@pytest.mark.parametrize("name", sorted(TECHNIQUES))
def test_technique_runs_unguarded(tmp_path, name):
    """The same program without --no-subprocess creates the marker."""
    marker = tmp_path / "marker"
    program = technique_program(tmp_path, name, marker)

    result = run_program(program, input="", timeout=60)

    assert marker.exists(), describe(result)


@pytest.mark.parametrize("name", ["subprocess_run", "os_execv", "os_posix_spawn", "posixsubprocess_fork_exec"])
def test_blocked_message_names_program(tmp_path, name):
    marker = tmp_path / "marker"
    program = technique_program(tmp_path, name, marker)

    result = run_program(program, "--no-subprocess")

    assert outcome_of(result)["message"] == f"subprocess disabled: exec({os.path.realpath(TOUCH)})"
    assert blocked_lines(result.stderr) == [
        f"hermetic: blocked action: subprocess disabled: exec({os.path.realpath(TOUCH)})"
    ], describe(result)


def test_fork_message(tmp_path):
    marker = tmp_path / "marker"
    program = technique_program(tmp_path, "os_fork", marker)

    result = run_program(program, "--no-subprocess")

    assert outcome_of(result)["message"] == "subprocess disabled: fork()"


def test_uncaught_violation_exits_77(tmp_path):
    marker = tmp_path / "marker"
    program = tmp_path / "uncaught.py"
    program.write_text(f"import subprocess\nsubprocess.run(['touch', {str(marker)!r}])\n")

    result = run_program(program, "--no-subprocess")

    assert not marker.exists()
    assert result.returncode == 77, describe(result)
    assert "Traceback" not in result.stderr, describe(result)
    assert blocked_lines(result.stderr) == [
        f"hermetic: blocked action: subprocess disabled: exec({os.path.realpath(TOUCH)})"
    ], describe(result)


def test_popen_captured_by_sitecustomize_blocked(tmp_path):
    """A reference to Popen taken before the program starts is still guarded."""
    early = tmp_path / "early"
    early.mkdir()
    (early / "sitecustomize.py").write_text(
        "import builtins\nfrom subprocess import Popen\nbuiltins.EARLY_POPEN = Popen\n"
    )
    marker = tmp_path / "marker"
    program = write_program(
        tmp_path,
        "EARLY_POPEN(['touch', MARKER]).wait()",
        setup=SETUP.format(marker=str(marker), touch=TOUCH),
    )
    env = clean_env(PYTHONPATH=str(early))

    unguarded = run_program(program, env=env)
    assert marker.exists(), describe(unguarded)
    marker.unlink()

    result = run_program(program, "--no-subprocess", env=env)

    outcome = outcome_of(result)
    assert not marker.exists(), describe(result)
    assert outcome["violation"], outcome
    assert outcome["permission_error"], outcome


def test_popen_imported_at_module_top_blocked(tmp_path):
    marker = tmp_path / "marker"
    setup = SETUP.format(marker=str(marker), touch=TOUCH) + "\nfrom subprocess import Popen\n"
    program = write_program(tmp_path, "Popen(['touch', MARKER]).wait()", setup=setup)

    result = run_program(program, "--no-subprocess")

    outcome = outcome_of(result)
    assert not marker.exists(), describe(result)
    assert outcome["violation"], outcome
    assert outcome["permission_error"], outcome


@pytest.mark.parametrize("program_argument", [TOUCH, "touch"])
def test_allow_exec_runs_allowed_program(tmp_path, program_argument):
    """--allow-exec takes a path or a name found on PATH."""
    marker = tmp_path / "marker"
    program = technique_program(tmp_path, "subprocess_run", marker)

    result = run_program(program, "--no-subprocess", "--allow-exec", program_argument)

    assert marker.exists(), describe(result)
    assert outcome_of(result)["raised"] is None
    assert blocked_lines(result.stderr) == [], describe(result)


@pytest.mark.parametrize("name", ["subprocess_run", "os_execv", "os_posix_spawn", "posixsubprocess_fork_exec"])
def test_allow_exec_allows_each_route(tmp_path, name):
    marker = tmp_path / "marker"
    program = technique_program(tmp_path, name, marker)

    result = run_program(program, "--no-subprocess", "--allow-exec", TOUCH)

    assert marker.exists(), describe(result)


@pytest.mark.parametrize("name", ["subprocess_shell_true", "os_system", "os_popen", "os_fork"])
def test_allow_exec_keeps_others_blocked(tmp_path, name):
    """Allowing touch does not allow the shell that would run touch, nor fork."""
    marker = tmp_path / "marker"
    program = technique_program(tmp_path, name, marker)

    result = run_program(program, "--no-subprocess", "--allow-exec", TOUCH)

    outcome = outcome_of(result)
    assert not marker.exists(), describe(result)
    assert outcome["violation"], outcome


def test_allow_exec_blocks_sh_c(tmp_path):
    marker = tmp_path / "marker"
    setup = SETUP.format(marker=str(marker), touch=TOUCH)
    program = write_program(
        tmp_path, "import subprocess\nsubprocess.run(['sh', '-c', 'touch ' + MARKER])", setup=setup
    )

    result = run_program(program, "--no-subprocess", "--allow-exec", TOUCH)

    outcome = outcome_of(result)
    assert not marker.exists(), describe(result)
    assert outcome["violation"], outcome
    assert outcome["message"] == f"subprocess disabled: exec({os.path.realpath('/bin/sh')})", outcome


def test_allow_exec_symlink_to_allowed_program(tmp_path):
    """A symlink is matched by the real path of the program it names."""
    marker = tmp_path / "marker"
    link = tmp_path / "renamed-touch"
    link.symlink_to(TOUCH)
    setup = SETUP.format(marker=str(marker), touch=TOUCH)
    program = write_program(tmp_path, f"import subprocess\nsubprocess.run([{str(link)!r}, MARKER])", setup=setup)

    result = run_program(program, "--no-subprocess", "--allow-exec", TOUCH)

    assert marker.exists(), describe(result)


def test_allow_exec_copy_of_program_blocked(tmp_path):
    """A copy of an allowed program at another path is another program."""
    marker = tmp_path / "marker"
    copy = tmp_path / "touch"
    shutil.copy2(TOUCH, copy)
    setup = SETUP.format(marker=str(marker), touch=TOUCH)
    program = write_program(tmp_path, f"import subprocess\nsubprocess.run([{str(copy)!r}, MARKER])", setup=setup)

    result = run_program(program, "--no-subprocess", "--allow-exec", TOUCH)

    outcome = outcome_of(result)
    assert not marker.exists(), describe(result)
    assert outcome["violation"], outcome


def test_allow_exec_resolves_name_on_child_path(tmp_path):
    """A bare name is looked up on the PATH the child gets, not hermetic's own."""
    marker = tmp_path / "marker"
    decoy_dir = tmp_path / "decoy"
    decoy_dir.mkdir()
    shutil.copy2(TOUCH, decoy_dir / "touch")
    setup = SETUP.format(marker=str(marker), touch=TOUCH)
    program = write_program(
        tmp_path,
        f"import subprocess\nsubprocess.run(['touch', MARKER], env={{'PATH': {str(decoy_dir)!r}}})",
        setup=setup,
    )

    unguarded = run_program(program)
    assert marker.exists(), describe(unguarded)
    marker.unlink()

    result = run_program(program, "--no-subprocess", "--allow-exec", TOUCH)

    outcome = outcome_of(result)
    assert not marker.exists(), describe(result)
    assert outcome["violation"], outcome
    assert outcome["message"] == f"subprocess disabled: exec({decoy_dir / 'touch'})", outcome


def test_threads_keep_working(tmp_path):
    program = write_program(
        tmp_path,
        """
        import threading
        from concurrent.futures import ThreadPoolExecutor

        results = []
        worker = threading.Thread(target=lambda: results.append(sum(range(10))))
        worker.start()
        worker.join()
        with ThreadPoolExecutor(max_workers=4) as pool:
            squares = list(pool.map(lambda n: n * n, range(5)))
        print("thread", results, "pool", squares)
        """,
    )

    result = run_program(program, "--no-subprocess")

    assert result.returncode == 0, describe(result)
    assert "thread [45] pool [0, 1, 4, 9, 16]" in result.stdout, describe(result)
    assert outcome_of(result)["raised"] is None
    assert blocked_lines(result.stderr) == [], describe(result)


def test_python_child_inherits_policy(tmp_path):
    """A Python child started through sys.executable runs under the same policy.

    Both interpreters the child could be (hermetic-python, or Debian's
    python3) are allowed, so the child starts; its own attempt to start
    touch must then be blocked, and it ends with the blocked status.
    """
    marker = tmp_path / "marker"
    child = f"import subprocess; subprocess.run(['touch', {str(marker)!r}])"
    setup = SETUP.format(marker=str(marker), touch=TOUCH)
    program = write_program(
        tmp_path,
        f"import subprocess\nprint('child exit', subprocess.run([sys.executable, '-c', {child!r}]).returncode)",
        setup=setup,
    )

    result = run_program(
        program, "--no-subprocess", "--allow-exec", "/usr/bin/python3", "--allow-exec", HERMETIC
    )

    assert outcome_of(result)["raised"] is None, describe(result)
    assert not marker.exists(), describe(result)
    assert "child exit 77" in result.stdout, describe(result)
