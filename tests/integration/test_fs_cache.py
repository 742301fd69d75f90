"""The cache of allowed reads under --fs-readonly=ROOT must never outlive its reason.

hermetic remembers reads it allowed, keyed by the path's text, so a
program that opens the same file many times resolves it once. Each test
first opens a path several times (so it is cached if it can be), then
changes what the path leads to, and checks that the next open is decided
again: a secret outside ROOT must not reach the program's output.
"""

import textwrap

from conftest import PYTHON, hermetic, strip_start_up_noise

SECRET = "cache-secret-7c1f"


def make_root(tmp_path):
    """Create ROOT with data/hostname, and an outside directory holding the secret."""
    root = tmp_path / "root"
    (root / "data").mkdir(parents=True)
    (root / "data" / "hostname").write_text("inside\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "hostname").write_text(SECRET + "\n")
    return root, outside


def run_under_root(root, code, *options):
    # Outside ROOT: the program's own directory stays readable, and this
    # one must not widen what the tests read.
    program = root.parent / "program" / "program.py"
    program.parent.mkdir(exist_ok=True)
    program.write_text(textwrap.dedent(code))
    return hermetic(f"--fs-readonly={root}", *options, "--", PYTHON, program)


READ_TWICE = """
    import os, sys
    PATH = {path!r}

    def read():
        try:
            with open(PATH) as handle:
                return handle.read().strip()
        except PermissionError as error:
            return "blocked: " + str(error)

    for _ in range(3):
        print("before", read())
    {change}
    print("after", read())
"""


def test_writable_symlink_repointed(tmp_path):
    """A path through a symlink in an --allow-write directory is decided on every open."""
    root, outside = make_root(tmp_path)
    writable = root / "w"
    writable.mkdir()
    (writable / "link").symlink_to(root / "data")
    path = str(writable / "link" / "hostname")
    change = f"os.remove({str(writable / 'link')!r}); os.symlink({str(outside)!r}, {str(writable / 'link')!r})"

    result = run_under_root(root, READ_TWICE.format(path=path, change=change), "--allow-write", writable)

    assert result.stdout.count("before inside") == 3, result.stderr
    assert SECRET not in result.stdout
    assert "after blocked: " in result.stdout, result.stdout
    assert "read outside root" in strip_start_up_noise(result.stderr)


def test_writable_directory_swapped(tmp_path):
    """A real directory in an --allow-write tree may become a symlink: its paths are decided on every open."""
    root, outside = make_root(tmp_path)
    writable = root / "w"
    (writable / "d").mkdir(parents=True)
    (writable / "d" / "hostname").write_text("inside\n")
    directory = str(writable / "d")
    path = str(writable / "d" / "hostname")
    change = f"os.rename({directory!r}, {directory + '.old'!r}); os.symlink({str(outside)!r}, {directory!r})"

    result = run_under_root(root, READ_TWICE.format(path=path, change=change), "--allow-write", writable)

    assert (writable / "d").is_symlink(), result.stdout + result.stderr
    assert result.stdout.count("before inside") == 3, result.stderr
    assert SECRET not in result.stdout
    assert "after blocked: " in result.stdout, result.stdout


def test_directory_swapped_by_child(tmp_path):
    """A child process, which the policy does not bind, may change any path: caching stops."""
    root, outside = make_root(tmp_path)
    data = root / "data"
    path = str(data / "hostname")
    change = (
        "import subprocess; "
        f"subprocess.run(['/bin/sh', '-c', 'mv {data} {root}/old && ln -s {outside} {data}'], check=True)"
    )

    result = run_under_root(root, READ_TWICE.format(path=path, change=change))

    assert (root / "data").is_symlink(), "the child did not swap the directory"
    assert result.stdout.count("before inside") == 3, result.stderr
    assert SECRET not in result.stdout
    assert "after blocked: " in result.stdout, result.stdout


def test_directory_swapped_by_forked_child(tmp_path):
    """A forked child that execs a program outside hermetic's reach also stops caching."""
    root, outside = make_root(tmp_path)
    data = root / "data"
    path = str(data / "hostname")
    change = (
        "pid = os.fork()\n"
        "    if pid == 0:\n"
        f"        os.execv('/bin/sh', ['sh', '-c', 'mv {data} {root}/old && ln -s {outside} {data}'])\n"
        "    os.waitpid(pid, 0)"
    )

    result = run_under_root(root, READ_TWICE.format(path=path, change=change))

    assert (root / "data").is_symlink(), "the child did not swap the directory"
    assert SECRET not in result.stdout
    assert "after blocked: " in result.stdout, result.stdout


def test_narrower_api_block(tmp_path):
    """A read allowed and cached before hermetic_blocker narrows the root is decided again inside it."""
    root, _ = make_root(tmp_path)
    (root / "narrow").mkdir()
    path = str(root / "data" / "hostname")
    change = (
        "import hermetic\n"
        f"    with hermetic.hermetic_blocker(fs_root={str(root / 'narrow')!r}):\n"
        '        print("inside block", read())'
    )

    result = run_under_root(root, READ_TWICE.format(path=path, change=change))

    assert result.stdout.count("before inside") == 3, result.stderr
    assert "inside block blocked: " in result.stdout, result.stdout
    assert "after inside" in result.stdout, result.stdout


def test_relative_and_dotted_paths(tmp_path):
    """Paths with '..' or relative to the current directory are resolved every time."""
    root, outside = make_root(tmp_path)
    code = f"""
        import os
        os.chdir({str(root / 'data')!r})
        for path in ["hostname", "../data/hostname", "hostname"]:
            with open(path) as handle:
                print("read", handle.read().strip())
        for path in ["../../outside/hostname", {str(root / 'data' / '..' / '..' / 'outside' / 'hostname')!r}]:
            try:
                with open(path) as handle:
                    print("read", handle.read().strip())
            except PermissionError:
                print("blocked")
    """

    result = run_under_root(root, code)

    assert result.stdout.count("read inside") == 3, result.stderr
    assert result.stdout.count("blocked") == 2, result.stdout
    assert SECRET not in result.stdout
