"""What the audit hook cannot stop, and what the kernel layer adds.

SECURITY.md cites these tests. Some of them pin a known limit, so that a
change in it is noticed: native code passes the audit hook, timeit
compiles source for the program, and the module for plain python3 has no
SQLite interposer. The others show that --kernel stops the same native
calls.
"""

import os
import re

import pytest

from conftest import BUILD, PYTHON, clean_env, hermetic, run

# A program that makes system calls through ctypes, past the audit hook.
NATIVE = r"""
import ctypes
import os
import sys

libc = ctypes.CDLL(None, use_errno=True)
action, target = sys.argv[1], sys.argv[2]
if action == "fork":
    pid = libc.fork()
    if pid == 0:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT, 0o644))
        os._exit(0)
    if pid > 0:
        os.waitpid(pid, 0)
    print(action, pid, ctypes.get_errno())
elif action == "exec":
    argv = (ctypes.c_char_p * 4)(b"sh", b"-c", f"echo ran > {target}".encode(), None)
    rc = libc.execv(b"/bin/sh", argv)
    print(action, rc, ctypes.get_errno())
elif action == "write":
    fd = libc.open(target.encode(), os.O_WRONLY | os.O_CREAT, 0o644)
    print(action, fd, ctypes.get_errno())
elif action == "connect":
    port = int(target)
    fd = libc.socket(2, 1, 0)
    address = (ctypes.c_ubyte * 16)(2, 0, port >> 8, port & 0xFF, 127, 0, 0, 1)
    rc = libc.connect(fd, address, 16) if fd >= 0 else -1
    print(action, rc if fd >= 0 else fd, ctypes.get_errno())
"""


@pytest.fixture
def native_program(tmp_path):
    path = tmp_path / "native.py"
    path.write_text(NATIVE)
    return path


def run_native(program, action, target, *options):
    result = hermetic(*options, "--", PYTHON, program, action, str(target), env=clean_env())
    assert result.returncode == 0, result.stderr
    name, value, errno = result.stdout.split()
    assert name == action
    return int(value), int(errno), result


def kernel_applied(part):
    """True if --kernel applies `part` ("seccomp", "Landlock") on this machine."""
    result = hermetic("--kernel=auto", "--no-subprocess", "--fs-readonly", "--trace", "--", PYTHON, "-c", "pass")
    applied = [line for line in result.stderr.splitlines() if line.startswith("hermetic: kernel: applied")]
    return bool(applied) and part in applied[0]


# ----- native code passes the audit hook -----


def test_native_fork_passes_hook(native_program, tmp_path):
    marker = tmp_path / "child-ran"

    pid, _, _ = run_native(native_program, "fork", marker, "--no-subprocess")

    assert pid > 0
    assert marker.exists()


def test_native_write_passes_hook(native_program, tmp_path):
    target = tmp_path / "written"

    fd, _, _ = run_native(native_program, "write", target, "--fs-readonly")

    assert fd >= 0
    assert target.exists()


def test_native_connect_passes_hook(native_program, tcp_listener):
    rc, _, _ = run_native(native_program, "connect", tcp_listener.port, "--no-network")

    assert rc == 0
    assert tcp_listener.data() == b""   # nothing sent, but the connection was made
    assert tcp_listener.connections == 1


def test_block_native_stops_ctypes(native_program, tmp_path):
    marker = tmp_path / "child-ran"

    result = hermetic("--no-subprocess", "--block-native", "--", PYTHON, native_program, "fork", marker)

    assert result.returncode == 77, result.stderr
    assert "native code disabled" in result.stderr
    assert not marker.exists()


# ----- the kernel layer stops the same calls -----


def test_kernel_stops_native_fork(native_program, tmp_path):
    if not kernel_applied("seccomp"):
        pytest.skip("seccomp is not available here")
    marker = tmp_path / "child-ran"

    pid, errno, _ = run_native(native_program, "fork", marker, "--kernel", "--no-subprocess")

    assert pid == -1
    assert errno == 1   # EPERM
    assert not marker.exists()


def test_kernel_stops_native_exec(native_program, tmp_path):
    if not kernel_applied("seccomp"):
        pytest.skip("seccomp is not available here")
    marker = tmp_path / "exec-ran"

    rc, errno, _ = run_native(native_program, "exec", marker, "--kernel", "--no-subprocess")

    assert rc == -1
    assert errno == 1   # EPERM
    assert not marker.exists()


def test_kernel_stops_native_write(native_program, tmp_path):
    if not kernel_applied("Landlock"):
        pytest.skip("Landlock is not available here")
    target = tmp_path / "written"

    fd, errno, _ = run_native(native_program, "write", target, "--kernel", "--fs-readonly")

    assert fd == -1
    assert errno == 13   # EACCES
    assert not target.exists()


def test_kernel_stops_native_connect(native_program, tcp_listener):
    if not kernel_applied("seccomp"):
        pytest.skip("seccomp is not available here")

    rc, errno, _ = run_native(native_program, "connect", tcp_listener.port, "--kernel", "--no-network")

    assert rc == -1
    assert errno == 13   # EACCES: the socket itself is refused
    assert tcp_listener.connections == 0


def test_kernel_applies_to_children():
    """seccomp filters survive fork and execve: a child that --allow-exec
    lets run cannot open an IP socket either."""
    if not kernel_applied("seccomp"):
        pytest.skip("seccomp is not available here")
    if not os.path.exists("/bin/bash"):
        pytest.skip("/bin/bash is not installed")
    shell = "exec 3<>/dev/tcp/127.0.0.1/9 && echo open || echo refused"
    code = (
        "import subprocess\n"
        f"result = subprocess.run(['/bin/bash', '-c', {shell!r}], capture_output=True, text=True)\n"
        "print(result.stdout.strip())\n"
    )

    result = hermetic("--kernel", "--no-network", "--no-subprocess", "--allow-exec", "/bin/bash", "--",
                      PYTHON, "-c", code, env=clean_env())

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "refused", result.stdout


def test_kernel_leaves_exec_to_hook_with_allow_exec(native_program, tmp_path):
    """seccomp cannot allow one program and not another, so --allow-exec
    leaves process creation to the audit hook, which native code passes."""
    if not kernel_applied("seccomp"):
        pytest.skip("seccomp is not available here")
    marker = tmp_path / "child-ran"

    pid, _, result = run_native(native_program, "fork", marker, "--kernel", "--no-subprocess",
                                "--allow-exec", "/bin/true")

    assert pid > 0, result.stderr
    assert marker.exists()


def test_kernel_leaves_network_to_hook_with_allowed_destination(native_program, tcp_listener):
    """With any destination allowed, seccomp lets IP sockets open, and
    native code reaches addresses the hook would block."""
    if not kernel_applied("seccomp"):
        pytest.skip("seccomp is not available here")

    rc, _, result = run_native(native_program, "connect", tcp_listener.port, "--kernel", "--no-network",
                               "--allow-domain", "192.0.2.1")

    assert rc == 0, result.stderr
    assert tcp_listener.connections == 1


# ----- code that the standard library runs for the program -----


def test_timeit_compiles_source_under_no_code_exec(tmp_path):
    """timeit compiles its statement in the standard library, whose frames
    --no-code-exec trusts: the program's source text runs."""
    marker = tmp_path / "ran"
    code = f"import timeit; timeit.timeit({f'open({str(marker)!r}, {chr(39)}w{chr(39)}).close()'!r}, number=1)"

    result = hermetic("--no-code-exec", "--", PYTHON, "-c", code, env=clean_env())

    assert result.returncode == 0, result.stderr
    assert marker.exists()


def test_exec_of_source_blocked_under_no_code_exec(tmp_path):
    marker = tmp_path / "ran"
    code = f"exec({f'open({str(marker)!r}, {chr(39)}w{chr(39)}).close()'!r})"

    result = hermetic("--no-code-exec", "--", PYTHON, "-c", code, env=clean_env())

    assert result.returncode == 77, result.stderr
    assert "code execution disabled: compile" in result.stderr
    assert not marker.exists()


# ----- the Python API -----


def test_api_block_environment_keeps_values_in_process():
    """hermetic_blocker(block_environment=True) hides variables from
    os.environ and children while it runs, and keeps their values to put
    them back: code in the same process can still read them."""
    code = (
        "import hermetic, os\n"
        "with hermetic.hermetic_blocker(block_environment=True):\n"
        "    with open('/proc/self/environ', 'rb') as f:\n"
        "        print('SECRET_TOKEN' in os.environ, b's3cr3t-value' in f.read())\n"
    )

    result = hermetic("--", PYTHON, "-c", code, env=clean_env(SECRET_TOKEN="s3cr3t-value"))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False True"


# ----- the module for plain python3 -----


def extension_module():
    found = sorted((BUILD / "python").glob("hermetic*.so")) if (BUILD / "python").is_dir() else []
    if not found:
        pytest.skip(f"the hermetic module for plain python3 is not built in {BUILD / 'python'}")
    return found[0]


SQLITE_ATTACH = r"""
import sqlite3
import sys

import hermetic

with hermetic.hermetic_blocker(fs_readonly=True):
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute(f"ATTACH DATABASE '{sys.argv[1]}' AS other")
        connection.execute("create table other.t (x)")
        print("attached")
    except sqlite3.DatabaseError as error:
        print("refused", error)
"""


def test_plain_python_module_misses_sqlite_attach(tmp_path):
    """The SQLite interposer lives in the hermetic executable only."""
    module = extension_module()
    target = tmp_path / "attached.sqlite"
    env = clean_env(PYTHONPATH=str(module.parent))
    env.pop("ASAN_OPTIONS", None)   # plain python3 has no ASan runtime to read them

    result = run([PYTHON, "-c", SQLITE_ATTACH, target], env=env)

    if "undefined symbol: __asan" in result.stderr or "ASan runtime" in result.stderr:
        pytest.skip("the module was built with AddressSanitizer, which plain python3 cannot load")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "attached"
    assert target.exists()


def test_hermetic_executable_refuses_sqlite_attach(tmp_path):
    target = tmp_path / "attached.sqlite"
    program = tmp_path / "attach.py"
    program.write_text(SQLITE_ATTACH)

    result = hermetic("--", PYTHON, program, target, env=clean_env())

    assert result.returncode == 0, result.stderr
    assert re.match(r"refused .*authoriz", result.stdout.strip()), result.stdout
    assert not target.exists()
