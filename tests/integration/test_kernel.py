"""The kernel layer (--kernel): seccomp and Landlock hold where the audit hook cannot.

Native code calls libc through ctypes, which raises no audit event, so the
hook never sees it. Each technique runs twice under hermetic with the same
policy: without --kernel (the control, where the technique must succeed,
so the test can fail) and with --kernel, where the kernel must refuse it.
The tests check the side effect: the listener got no connection, the file
does not exist.
"""

import textwrap

import pytest

from api_support import settled_connections
from conftest import PYTHON, hermetic, strip_start_up_noise

# Each program prints "done" or "refused ERRNO-NAME" for its one attempt.
PRELUDE = """
import ctypes, ctypes.util, errno, os, socket, struct, sys
libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)

def outcome(rc):
    if rc == -1:
        print("refused", errno.errorcode[ctypes.get_errno()])
    else:
        print("done")
"""

CONNECT = """
fd = libc.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
if fd == -1:
    outcome(-1)
else:
    # struct sockaddr_in: the family in host byte order, the port in network order.
    address = struct.pack("=H", socket.AF_INET) + struct.pack("!H", PORT) + socket.inet_aton("127.0.0.1") + bytes(8)
    outcome(libc.connect(fd, ctypes.c_char_p(address), len(address)))
"""

EXEC = """
argv = (ctypes.c_char_p * 3)(b"/usr/bin/touch", MARKER.encode(), None)
outcome(libc.execv(b"/usr/bin/touch", argv))
"""

OPEN_WRITE = """
outcome(libc.open(MARKER.encode(), os.O_WRONLY | os.O_CREAT, 0o644))
"""

FORK = """
pid = libc.fork()
if pid == 0:
    os._exit(0)
if pid > 0:
    os.waitpid(pid, 0)
outcome(-1 if pid < 0 else 0)
"""


def run_native(tmp_path, body, options, **constants):
    # In a directory of its own: the program's directory stays readable.
    program = tmp_path / "program" / "native.py"
    program.parent.mkdir(exist_ok=True)
    assignments = "".join(f"{name} = {value!r}\n" for name, value in constants.items())
    program.write_text(PRELUDE + assignments + textwrap.dedent(body))
    return hermetic(*options, "--", PYTHON, program)


@pytest.mark.parametrize("kernel", [False, True], ids=["control", "kernel"])
def test_native_connect(tmp_path, tcp_listener, kernel):
    result = run_native(tmp_path, CONNECT, ["--no-network", *(["--kernel"] if kernel else [])],
                        PORT=tcp_listener.port)

    assert result.returncode == 0, result.stderr
    if kernel:
        assert result.stdout.startswith("refused "), result.stdout
        assert settled_connections(tcp_listener) == 0
    else:
        assert result.stdout == "done\n", result.stderr
        assert settled_connections(tcp_listener) == 1


@pytest.mark.parametrize("kernel", [False, True], ids=["control", "kernel"])
def test_native_exec(tmp_path, kernel):
    marker = tmp_path / "marker"

    result = run_native(tmp_path, EXEC, ["--no-subprocess", *(["--kernel"] if kernel else [])], MARKER=str(marker))

    if kernel:
        assert result.stdout.startswith("refused "), result.stdout + result.stderr
        assert not marker.exists()
    else:
        assert result.returncode == 0, result.stderr
        assert marker.exists()


@pytest.mark.parametrize("kernel", [False, True], ids=["control", "kernel"])
def test_native_fork(tmp_path, kernel):
    result = run_native(tmp_path, FORK, ["--no-subprocess", *(["--kernel"] if kernel else [])])

    assert result.returncode == 0, result.stderr
    assert result.stdout == ("refused EPERM\n" if kernel else "done\n"), result.stdout + result.stderr


@pytest.mark.parametrize("kernel", [False, True], ids=["control", "kernel"])
def test_native_open_for_writing(tmp_path, kernel):
    area = tmp_path / "area"
    area.mkdir()
    marker = area / "marker"

    result = run_native(tmp_path, OPEN_WRITE, ["--fs-readonly", *(["--kernel"] if kernel else [])], MARKER=str(marker))

    assert result.returncode == 0, result.stderr
    if kernel:
        assert result.stdout.startswith("refused "), result.stdout
        assert not marker.exists()
    else:
        assert result.stdout == "done\n", result.stderr
        assert marker.exists()


@pytest.mark.parametrize("kernel", [False, True], ids=["control", "kernel"])
def test_shell_child_cannot_write(tmp_path, kernel):
    """A non-Python child, allowed to run, inherits Landlock and cannot write."""
    marker = tmp_path / "marker"
    code = f"import subprocess; print(subprocess.run(['/bin/sh', '-c', 'echo x > {marker}']).returncode)"

    result = hermetic("--fs-readonly", *(["--kernel"] if kernel else []), "--", PYTHON, "-c", code)

    assert result.returncode == 0, result.stderr
    if kernel:
        assert result.stdout != "0\n", result.stdout
        assert not marker.exists()
    else:
        assert result.stdout == "0\n"
        assert marker.read_text() == "x\n"


def test_read_root_holds_for_native_code(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("kernel-secret-31d7\n")
    body = """
    fd = libc.open(SECRET.encode(), os.O_RDONLY)
    if fd == -1:
        outcome(-1)
    else:
        print(os.read(fd, 100).decode().strip())
    """

    control = run_native(tmp_path, body, [f"--fs-readonly={root}"], SECRET=str(secret))
    kernel = run_native(tmp_path, body, [f"--fs-readonly={root}", "--kernel"], SECRET=str(secret))

    assert control.stdout == "kernel-secret-31d7\n", control.stderr
    assert kernel.stdout.startswith("refused "), kernel.stdout
    assert "kernel-secret-31d7" not in kernel.stdout + kernel.stderr


WORKLOAD = """
import asyncio, sqlite3, ssl, threading

results = []
threads = [threading.Thread(target=results.append, args=(n,)) for n in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()

async def add(a, b):
    await asyncio.sleep(0)
    return a + b

database = sqlite3.connect(":memory:")
database.execute("create table t (x)")
database.execute("insert into t values (42)")
context = ssl.create_default_context()
print(sorted(results), asyncio.run(add(1, 2)), database.execute("select x from t").fetchone()[0],
      context.verify_mode == ssl.CERT_REQUIRED)
"""


@pytest.mark.parametrize("mode", ["required", "auto"])
def test_standard_library_works_under_kernel(tmp_path, mode):
    program = tmp_path / "workload.py"
    program.write_text(WORKLOAD)

    result = hermetic("--profile", "block-all", f"--kernel={mode}", "--", PYTHON, program)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "[0, 1, 2, 3] 3 42 True\n"


def test_trace_reports_kernel_layer(tmp_path):
    result = hermetic("--no-network", "--no-subprocess", "--fs-readonly", "--kernel", "--trace", "--",
                      PYTHON, "-c", "pass")

    assert result.returncode == 0, result.stderr
    lines = [line for line in strip_start_up_noise(result.stderr).splitlines() if line.startswith("hermetic: kernel:")]
    assert lines and lines[0].startswith("hermetic: kernel: applied "), result.stderr
    assert "Landlock" in lines[0] and "seccomp" in lines[0], lines


def test_missing_writable_directory_noted(tmp_path):
    """Landlock cannot allow a directory that does not exist yet; hermetic says so at start."""
    code = "import os; os.makedirs('out'); print('made')"

    result = hermetic("--fs-readonly=.", "--allow-write", "./out", "--kernel", "--", PYTHON, "-c", code,
                      cwd=tmp_path)
    made_first = (tmp_path / "out2")
    made_first.mkdir()
    ready = hermetic("--fs-readonly=.", "--allow-write", "./out2", "--kernel", "--", PYTHON, "-c",
                     "open('out2/file', 'w').write('x'); print('wrote')", cwd=tmp_path)

    assert f"hermetic: note: --allow-write {tmp_path}/out does not exist" in result.stderr, result.stderr
    assert "create it first" in result.stderr
    assert not (tmp_path / "out").exists()
    assert ready.returncode == 0, ready.stderr
    assert ready.stdout == "wrote\n"
    assert "does not exist" not in ready.stderr
