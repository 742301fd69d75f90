"""The filesystem guard: --fs-readonly, --fs-readonly=ROOT, --allow-write and --allow-read.

Write tests run each technique against a scratch directory (AREA) and
compare a snapshot of AREA taken before and after: names, types, sizes,
contents, modes, owners, times, link targets and extended attributes. The
blocked run must leave the snapshot unchanged. The unguarded control run
of the same program must change it, so a technique that fails for another
reason cannot pass by accident.

Read tests put a secret file outside ROOT and check that its text never
reaches the program's stdout or stderr.
"""

import errno
import os
import sqlite3
import stat
import textwrap
from pathlib import Path

import pytest

from attempts import (
    describe,
    outcome_of,
    relevant_blocked_lines,
    run_hermetic,
    run_program,
    write_program,
)
from conftest import PYTHON, clean_env, without_leak_check

ORIGINAL = "original contents\n"


def xattrs_supported(directory):
    probe = Path(directory) / ".xattr-probe"
    probe.write_text("")
    try:
        os.setxattr(probe, "user.probe", b"1")
    except OSError as exc:
        if exc.errno in (errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM):
            return False
        raise
    finally:
        probe.unlink()
    return True


def make_area(tmp_path):
    """Create AREA with an existing file, a directory with a file, and an empty directory."""
    area = tmp_path / "area"
    area.mkdir()
    existing = area / "existing.txt"
    existing.write_text(ORIGINAL)
    existing.chmod(0o644)
    tree = area / "existing_dir"
    tree.mkdir()
    (tree / "inner.txt").write_text("inner\n")
    (area / "empty_dir").mkdir()
    if xattrs_supported(tmp_path):
        os.setxattr(existing, "user.kept", b"kept")
    return area


def snapshot(root):
    """Return everything a write could change under `root`, path by path."""
    state = {}
    paths = [Path(root)]
    for dirpath, dirnames, filenames in os.walk(root):
        paths.extend(Path(dirpath) / name for name in dirnames + filenames)
    for path in paths:
        info = os.lstat(path)
        entry = {
            "mode": info.st_mode,
            "uid": info.st_uid,
            "gid": info.st_gid,
            "size": info.st_size,
            "nlink": info.st_nlink,
            "mtime": info.st_mtime_ns,
            "ctime": info.st_ctime_ns,
        }
        if stat.S_ISREG(info.st_mode):
            entry["content"] = path.read_bytes()
        if stat.S_ISLNK(info.st_mode):
            entry["target"] = os.readlink(path)
        else:
            try:
                entry["xattrs"] = sorted(os.listxattr(path))
            except OSError:
                entry["xattrs"] = None
        state[str(path.relative_to(root))] = entry
    return state


SETUP = """
import os

AREA = {area!r}
EXISTING = os.path.join(AREA, "existing.txt")
EXISTING_DIR = os.path.join(AREA, "existing_dir")
EMPTY_DIR = os.path.join(AREA, "empty_dir")
NEW = os.path.join(AREA, "new")
"""

# name -> (body, action): each body writes under AREA; `action` is the
# name the blocked message gives, as in "filesystem readonly: open(...)".
WRITE_TECHNIQUES = {
    "open_mode_w": ("open(EXISTING, 'w').write('changed')", "open"),
    "open_mode_a": ("open(EXISTING, 'a').write('more')", "open"),
    "open_mode_x": ("open(NEW, 'x').write('new')", "open"),
    "open_mode_r_plus": (
        """
        with open(EXISTING, 'r+') as stream:
            stream.write('CHANGED')
        """,
        "open",
    ),
    "open_mode_wb_plus": ("open(NEW, 'wb+').write(b'new')", "open"),
    "os_open_wronly": ("os.write(os.open(EXISTING, os.O_WRONLY), b'changed')", "open"),
    "os_open_rdwr": ("os.write(os.open(EXISTING, os.O_RDWR), b'changed')", "open"),
    "os_open_creat": ("os.open(NEW, os.O_RDONLY | os.O_CREAT, 0o644)", "open"),
    "os_open_trunc": ("os.open(EXISTING, os.O_RDONLY | os.O_TRUNC)", "open"),
    "os_open_append": ("os.write(os.open(EXISTING, os.O_WRONLY | os.O_APPEND), b'more')", "open"),
    "os_open_keywords": ("os.write(os.open(path=NEW, flags=os.O_WRONLY | os.O_CREAT, mode=0o644), b'new')", "open"),
    "io_fileio": ("import io\nio.FileIO(NEW, 'w').write(b'new')", "open"),
    "private_io_open": ("import _io\n_io.open(NEW, 'w').write('new')", "open"),
    "posix_mkdir": ("import posix\nposix.mkdir(NEW)", "mkdir"),
    "posix_unlink": ("import posix\nposix.unlink(EXISTING)", "remove"),
    "os_remove": ("os.remove(EXISTING)", "remove"),
    "os_rename": ("os.rename(EXISTING, NEW)", "rename"),
    "os_replace": ("os.replace(EXISTING, NEW)", "rename"),
    "os_rmdir": ("os.rmdir(EMPTY_DIR)", "rmdir"),
    "os_makedirs": ("os.makedirs(os.path.join(NEW, 'a', 'b'))", "mkdir"),
    "os_chmod": ("os.chmod(EXISTING, 0o600)", "chmod"),
    "os_chown_same_owner": ("os.chown(EXISTING, os.getuid(), os.getgid())", "chown"),
    "os_utime": ("os.utime(EXISTING, (0, 0))", "utime"),
    "os_truncate": ("os.truncate(EXISTING, 0)", "truncate"),
    "os_link": ("os.link(EXISTING, NEW)", "link"),
    "os_symlink": ("os.symlink(EXISTING, NEW)", "symlink"),
    "os_mkfifo": ("os.mkfifo(NEW)", "mkfifo"),
    "os_mknod": ("import stat\nos.mknod(NEW, stat.S_IFREG | 0o600)", "mknod"),
    "os_setxattr": ("os.setxattr(EXISTING, 'user.hermetic', b'value')", "setxattr"),
    "os_removexattr": ("os.removexattr(EXISTING, 'user.kept')", "removexattr"),
    "pathlib_write_text": ("import pathlib\npathlib.Path(NEW).write_text('new')", "open"),
    "pathlib_touch": ("import pathlib\npathlib.Path(NEW).touch()", "open"),
    "pathlib_mkdir": ("import pathlib\npathlib.Path(NEW).mkdir()", "mkdir"),
    "pathlib_unlink": ("import pathlib\npathlib.Path(EXISTING).unlink()", "remove"),
    "pathlib_rename": ("import pathlib\npathlib.Path(EXISTING).rename(NEW)", "rename"),
    "shutil_copy": ("import shutil\nshutil.copy(EXISTING, NEW)", "open"),
    "shutil_copytree": ("import shutil\nshutil.copytree(EXISTING_DIR, NEW)", "mkdir"),
    "shutil_rmtree": ("import shutil\nshutil.rmtree(EXISTING_DIR)", "remove"),
    # shutil.move falls back to copying when os.rename raises an OSError,
    # which the blocked rename is, so the copy's open is what stops it.
    "shutil_move": ("import shutil\nshutil.move(EXISTING, NEW)", "open"),
    "tempfile_mkstemp": ("import tempfile\ntempfile.mkstemp(dir=AREA)", "open"),
    "tempfile_temporaryfile": (
        """
        import tempfile
        stream = tempfile.TemporaryFile(dir=AREA)
        stream.write(b'data')
        """,
        "open",
    ),
    "tempfile_mkdtemp": ("import tempfile\ntempfile.mkdtemp(dir=AREA)", "mkdir"),
    "zipfile_write": (
        """
        import zipfile
        with zipfile.ZipFile(NEW, 'w') as archive:
            archive.writestr('member.txt', 'data')
        """,
        "open",
    ),
    "logging_filehandler": (
        """
        import logging
        logger = logging.getLogger('written')
        logger.addHandler(logging.FileHandler(NEW))
        logger.warning('logged')
        """,
        "open",
    ),
    "unix_socket_bind": (
        """
        import socket
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).bind(NEW)
        """,
        "bind",
    ),
    "sqlite3_connect_file": (
        """
        import sqlite3
        connection = sqlite3.connect(NEW)
        connection.execute('create table t (x)')
        connection.commit()
        """,
        "sqlite3.connect",
    ),
    "dbm_open_create": (
        """
        import dbm
        database = dbm.open(NEW, 'c')
        database['key'] = 'value'
        database.close()
        """,
        "open",
    ),
}

XATTR_TECHNIQUES = {"os_setxattr", "os_removexattr"}

# TemporaryFile opens an unnamed file with O_TMPFILE | O_EXCL, which leaves
# no name in AREA and can never be linked into it, so its control run can
# only check that the technique works.
INVISIBLE_WRITES = {"tempfile_temporaryfile"}

# Techniques the guard does not stop yet, each with the reason (none now).
KNOWN_BYPASSES = {}


def write_params():
    params = []
    for name in sorted(WRITE_TECHNIQUES):
        marks = []
        if name in KNOWN_BYPASSES:
            marks.append(pytest.mark.xfail(reason=KNOWN_BYPASSES[name], strict=True))
        params.append(pytest.param(name, marks=marks, id=name))
    return params


def write_program_for(tmp_path, area, body):
    setup = SETUP.format(area=str(area))
    scripts = tmp_path / "scripts"
    scripts.mkdir(exist_ok=True)
    return write_program(scripts, body, setup=setup)


def skip_without_xattrs(name, tmp_path):
    if name in XATTR_TECHNIQUES and not xattrs_supported(tmp_path):
        pytest.skip(f"{tmp_path} does not support user extended attributes")


@pytest.mark.parametrize("name", write_params())
def test_write_blocked(tmp_path, name):
    skip_without_xattrs(name, tmp_path)
    area = make_area(tmp_path)
    body, action = WRITE_TECHNIQUES[name]
    program = write_program_for(tmp_path, area, body)
    before = snapshot(area)

    result = run_program(program, "--fs-readonly")

    outcome = outcome_of(result)
    assert snapshot(area) == before, describe(result)
    assert outcome["violation"], outcome
    assert outcome["permission_error"], outcome
    assert outcome["guard"] == "filesystem", outcome
    assert outcome["message"].startswith(f"filesystem readonly: {action}("), outcome
    assert result.returncode == 0, describe(result)


@pytest.mark.parametrize("name", sorted(WRITE_TECHNIQUES))
def test_write_runs_unguarded(tmp_path, name):
    """The same program without --fs-readonly changes AREA."""
    skip_without_xattrs(name, tmp_path)
    area = make_area(tmp_path)
    body, _ = WRITE_TECHNIQUES[name]
    program = write_program_for(tmp_path, area, body)
    before = snapshot(area)

    result = run_program(program)

    assert outcome_of(result)["raised"] is None, describe(result)
    if name not in INVISIBLE_WRITES:
        assert snapshot(area) != before, describe(result)


def test_blocked_open_message(tmp_path):
    area = make_area(tmp_path)
    program = write_program_for(tmp_path, area, "open(NEW, 'w')")

    result = run_program(program, "--fs-readonly")

    message = f"filesystem readonly: open({area / 'new'}, write)"
    assert outcome_of(result)["message"] == message
    assert relevant_blocked_lines(result.stderr) == [f"hermetic: blocked action: {message}"], describe(result)


def test_os_open_read_returns_fd(tmp_path):
    area = make_area(tmp_path)
    program = write_program_for(
        tmp_path,
        area,
        """
        fd = os.open(EXISTING, os.O_RDONLY)
        print('type', type(fd).__name__)
        print('data', os.read(fd, 100))
        """,
    )

    result = run_program(program, "--fs-readonly")

    assert outcome_of(result)["raised"] is None, describe(result)
    assert "type int" in result.stdout, describe(result)
    assert f"data {ORIGINAL.encode()!r}" in result.stdout, describe(result)
    assert relevant_blocked_lines(result.stderr) == [], describe(result)


def test_reads_allowed_under_readonly(tmp_path):
    area = make_area(tmp_path)
    program = write_program_for(
        tmp_path,
        area,
        """
        import pathlib
        print('text', repr(open(EXISTING).read()))
        print('listing', sorted(os.listdir(AREA)))
        print('pathlib', repr(pathlib.Path(EXISTING).read_text()))
        """,
    )

    result = run_program(program, "--fs-readonly")

    assert outcome_of(result)["raised"] is None, describe(result)
    assert f"text {ORIGINAL!r}" in result.stdout, describe(result)
    assert "listing ['empty_dir', 'existing.txt', 'existing_dir']" in result.stdout, describe(result)
    assert relevant_blocked_lines(result.stderr) == [], describe(result)


def test_uncaught_write_exits_77(tmp_path):
    area = make_area(tmp_path)
    program = tmp_path / "uncaught.py"
    program.write_text(f"open({str(area / 'new')!r}, 'w')\n")

    result = run_program(program, "--fs-readonly")

    assert not (area / "new").exists()
    assert result.returncode == 77, describe(result)
    assert "Traceback" not in result.stderr, describe(result)


def test_writable_mmap_of_inherited_fd_blocked(tmp_path):
    """A descriptor opened read-write before hermetic started cannot be mapped writable."""
    area = make_area(tmp_path)
    existing = area / "existing.txt"
    fd = os.open(existing, os.O_RDWR)
    try:
        body = f"""
            import mmap
            mapping = mmap.mmap({fd}, 0, access=mmap.ACCESS_WRITE)
            mapping[0:8] = b'CHANGED!'
            mapping.flush()
        """
        program = write_program_for(tmp_path, area, body)

        unguarded = run_program(program, pass_fds=(fd,))
        assert existing.read_text().startswith("CHANGED!"), describe(unguarded)
        existing.write_text(ORIGINAL)

        result = run_program(program, "--fs-readonly", pass_fds=(fd,))
    finally:
        os.close(fd)

    outcome = outcome_of(result)
    assert existing.read_text() == ORIGINAL, describe(result)
    assert outcome["violation"], outcome
    assert outcome["message"].startswith("filesystem readonly: mmap("), outcome


def test_readonly_mmap_of_inherited_fd_allowed(tmp_path):
    area = make_area(tmp_path)
    existing = area / "existing.txt"
    fd = os.open(existing, os.O_RDWR)
    try:
        body = f"""
            import mmap
            mapping = mmap.mmap({fd}, 0, access=mmap.ACCESS_READ)
            print('mapped', bytes(mapping[:8]))
        """
        program = write_program_for(tmp_path, area, body)
        result = run_program(program, "--fs-readonly", pass_fds=(fd,))
    finally:
        os.close(fd)

    assert outcome_of(result)["raised"] is None, describe(result)
    assert f"mapped {ORIGINAL.encode()[:8]!r}" in result.stdout, describe(result)


def test_os_open_dir_fd_outside_allow_write(tmp_path):
    """A name relative to a dir_fd is decided in that directory, not the current one."""
    area = make_area(tmp_path)
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    body = """
        directory = os.open(AREA, os.O_RDONLY)
        os.close(os.open('new', os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=directory))
    """
    program = write_program_for(tmp_path, area, body)
    before = snapshot(area)

    result = run_program(program, "--fs-readonly", "--allow-write", allowed, cwd=allowed)

    outcome = outcome_of(result)
    assert snapshot(area) == before, describe(result)
    assert not (allowed / "new").exists(), describe(result)
    assert outcome["violation"], outcome
    assert outcome["message"] == f"filesystem readonly: open({area / 'new'}, write)", outcome


def test_os_open_dir_fd_inside_allow_write(tmp_path):
    area = make_area(tmp_path)
    body = """
        directory = os.open(AREA, os.O_RDONLY)
        os.close(os.open('new', os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=directory))
    """
    program = write_program_for(tmp_path, area, body)

    result = run_program(program, "--fs-readonly", "--allow-write", area, cwd=tmp_path)

    assert outcome_of(result)["raised"] is None, describe(result)
    assert (area / "new").exists(), describe(result)


# ----- SQLite: in-memory databases, read-only URIs, ATTACH and VACUUM INTO -----


def test_sqlite_read_only_uri_works(tmp_path):
    database = tmp_path / "existing.sqlite"
    connection = sqlite3.connect(database)
    connection.execute("create table t (x)")
    connection.execute("insert into t values (42)")
    connection.commit()
    connection.close()
    before = database.read_bytes()
    program = write_program(
        tmp_path,
        f"""
        import sqlite3
        connection = sqlite3.connect('file:{database}?mode=ro', uri=True)
        print('rows', connection.execute('select x from t').fetchall())
        """,
    )

    result = run_program(program, "--fs-readonly")

    assert outcome_of(result)["raised"] is None, describe(result)
    assert "rows [(42,)]" in result.stdout, describe(result)
    assert database.read_bytes() == before
    assert relevant_blocked_lines(result.stderr) == [], describe(result)


def test_sqlite_memory_database_works(tmp_path):
    program = write_program(
        tmp_path,
        """
        import sqlite3
        connection = sqlite3.connect(':memory:')
        connection.execute('create table t (x)')
        connection.execute('insert into t values (7)')
        print('rows', connection.execute('select x from t').fetchall())
        """,
    )

    result = run_program(program, "--fs-readonly")

    assert outcome_of(result)["raised"] is None, describe(result)
    assert "rows [(7,)]" in result.stdout, describe(result)


SQLITE_FILE_STATEMENTS = {
    "attach": "connection.execute(f\"ATTACH DATABASE '{TARGET}' AS other\")\n"
    "connection.execute('create table other.t (x)')",
    "vacuum_into": "connection.execute('create table t (x)')\n"
    "connection.execute(f\"VACUUM INTO '{TARGET}'\")",
}


def sqlite_statement_program(tmp_path, target, name):
    body = "import sqlite3\nconnection = sqlite3.connect(':memory:')\n" + SQLITE_FILE_STATEMENTS[name]
    return write_program(tmp_path, body, setup=f"TARGET = {str(target)!r}")


@pytest.mark.parametrize("name", sorted(SQLITE_FILE_STATEMENTS))
def test_sqlite_statement_creates_file_unguarded(tmp_path, name):
    target = tmp_path / "target.sqlite"
    program = sqlite_statement_program(tmp_path, target, name)

    result = run_program(program)

    assert target.exists(), describe(result)


@pytest.mark.parametrize("name", sorted(SQLITE_FILE_STATEMENTS))
def test_sqlite_statement_blocked(tmp_path, name):
    """SQLite's authorizer denies the statement, so SQLite raises its own error.

    The program sees sqlite3.DatabaseError ("not authorized"), and hermetic
    reports the blocked action when the program ends.
    """
    target = tmp_path / "target.sqlite"
    program = sqlite_statement_program(tmp_path, target, name)

    result = run_program(program, "--fs-readonly")

    outcome = outcome_of(result)
    assert not target.exists(), describe(result)
    assert outcome["raised"] == "DatabaseError", outcome
    # SQLite says "not authorized" for ATTACH and "authorization denied" for VACUUM INTO.
    assert "authoriz" in outcome["message"], outcome
    assert f"hermetic: blocked action: filesystem readonly: sqlite3 ATTACH({target})" in relevant_blocked_lines(
        result.stderr
    ), describe(result)


# ----- --allow-write -----


def test_allow_write_directory_and_below(tmp_path):
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    program = write_program(
        tmp_path,
        """
        os.makedirs(os.path.join(ALLOWED, 'sub', 'deeper'))
        with open(os.path.join(ALLOWED, 'sub', 'deeper', 'file.txt'), 'w') as stream:
            stream.write('written')
        os.rename(os.path.join(ALLOWED, 'sub', 'deeper', 'file.txt'), os.path.join(ALLOWED, 'moved.txt'))
        """,
        setup=f"import os\nALLOWED = {str(allowed)!r}",
    )

    result = run_program(program, "--fs-readonly", "--allow-write", allowed)

    assert outcome_of(result)["raised"] is None, describe(result)
    assert (allowed / "moved.txt").read_text() == "written"
    assert (allowed / "sub" / "deeper").is_dir()
    assert relevant_blocked_lines(result.stderr) == [], describe(result)


@pytest.mark.parametrize(
    "relative",
    ["sibling/file.txt", "allowed-but-longer/file.txt", "file-beside.txt"],
)
def test_allow_write_only_that_directory(tmp_path, relative):
    """Paths beside the allowed directory, including one that shares its name as a prefix, stay read-only."""
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    target = tmp_path / relative
    target.parent.mkdir(exist_ok=True)
    program = write_program(tmp_path, f"open({str(target)!r}, 'w').write('x')")

    result = run_program(program, "--fs-readonly", "--allow-write", allowed)

    outcome = outcome_of(result)
    assert not target.exists(), describe(result)
    assert outcome["violation"], outcome


def test_allow_write_rename_out_of_allowed_blocked(tmp_path):
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    source = allowed / "file.txt"
    source.write_text("data")
    outside = tmp_path / "outside.txt"
    program = write_program(tmp_path, f"os.rename({str(source)!r}, {str(outside)!r})", setup="import os")

    result = run_program(program, "--fs-readonly", "--allow-write", allowed)

    outcome = outcome_of(result)
    assert source.exists(), describe(result)
    assert not outside.exists(), describe(result)
    assert outcome["violation"], outcome


def test_allow_write_rename_into_allowed_blocked(tmp_path):
    """Renaming a file from outside into the allowed directory removes it outside."""
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("data")
    program = write_program(
        tmp_path, f"os.rename({str(outside)!r}, {str(allowed / 'in.txt')!r})", setup="import os"
    )

    result = run_program(program, "--fs-readonly", "--allow-write", allowed)

    outcome = outcome_of(result)
    assert outside.exists(), describe(result)
    assert not (allowed / "in.txt").exists(), describe(result)
    assert outcome["violation"], outcome


@pytest.mark.parametrize("technique", ["open", "os_open", "pathlib"])
def test_allow_write_symlink_out_blocked(tmp_path, technique):
    """A symlink inside the allowed directory that points outside it is not a way out."""
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text(ORIGINAL)
    link = allowed / "link.txt"
    link.symlink_to(outside)
    bodies = {
        "open": f"open({str(link)!r}, 'w').write('changed')",
        "os_open": f"os.write(os.open({str(link)!r}, os.O_WRONLY | os.O_TRUNC), b'changed')",
        "pathlib": f"import pathlib\npathlib.Path({str(link)!r}).write_text('changed')",
    }
    program = write_program(tmp_path, bodies[technique], setup="import os")

    result = run_program(program, "--fs-readonly", "--allow-write", allowed)

    outcome = outcome_of(result)
    assert outside.read_text() == ORIGINAL, describe(result)
    assert outcome["violation"], outcome
    assert outcome["message"] == f"filesystem readonly: open({outside}, write)", outcome


def test_allow_write_dangling_symlink_out_blocked(tmp_path):
    """Opening a dangling link with O_CREAT would create its target outside."""
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    target = tmp_path / "created-outside.txt"
    link = allowed / "dangling"
    link.symlink_to(target)
    program = write_program(tmp_path, f"open({str(link)!r}, 'w').write('x')")

    result = run_program(program, "--fs-readonly", "--allow-write", allowed)

    outcome = outcome_of(result)
    assert not target.exists(), describe(result)
    assert outcome["violation"], outcome


def test_allow_write_symlink_itself_removable(tmp_path):
    """Removing the link inside the allowed directory touches only the link."""
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text(ORIGINAL)
    link = allowed / "link.txt"
    link.symlink_to(outside)
    program = write_program(tmp_path, f"os.remove({str(link)!r})", setup="import os")

    result = run_program(program, "--fs-readonly", "--allow-write", allowed)

    assert outcome_of(result)["raised"] is None, describe(result)
    assert not link.is_symlink()
    assert outside.read_text() == ORIGINAL


def test_allow_write_relative_path(tmp_path):
    """A relative --allow-write is resolved against the current directory at start-up."""
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    program = write_program(tmp_path, "open('allowed/file.txt', 'w').write('x')")

    result = run_program(program, "--fs-readonly", "--allow-write", "allowed", cwd=tmp_path)

    assert outcome_of(result)["raised"] is None, describe(result)
    assert (allowed / "file.txt").exists()


def profile_with_globs(tmp_path):
    profile = tmp_path / "globs.yaml"
    profile.write_text(
        textwrap.dedent(
            """\
            version: 1
            description: Writes only to egg-info directories beside the current directory.
            filesystem:
              readonly: true
              allow_write: ["./*.egg-info"]
            """
        )
    )
    return profile


def test_profile_glob_allows_matching_directory(tmp_path):
    project = tmp_path / "project"
    (project / "demo.egg-info").mkdir(parents=True)
    profile = profile_with_globs(tmp_path)
    program = write_program(tmp_path, "open('demo.egg-info/PKG-INFO', 'w').write('Name: demo')")

    result = run_program(program, "--profile", profile, cwd=project)

    assert outcome_of(result)["raised"] is None, describe(result)
    assert (project / "demo.egg-info" / "PKG-INFO").read_text() == "Name: demo"


def test_profile_glob_allows_new_matching_directory(tmp_path):
    """The glob matches a directory that does not exist yet when hermetic starts."""
    project = tmp_path / "project"
    project.mkdir()
    profile = profile_with_globs(tmp_path)
    program = write_program(tmp_path, "os.mkdir('fresh.egg-info')", setup="import os")

    result = run_program(program, "--profile", profile, cwd=project)

    assert outcome_of(result)["raised"] is None, describe(result)
    assert (project / "fresh.egg-info").is_dir()


@pytest.mark.parametrize("relative", ["setup.py", "demo.egg-info-old/file", "sub/demo.egg-info/file"])
def test_profile_glob_blocks_other_paths(tmp_path, relative):
    project = tmp_path / "project"
    target = project / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    profile = profile_with_globs(tmp_path)
    program = write_program(tmp_path, f"open({relative!r}, 'w').write('x')")

    result = run_program(program, "--profile", profile, cwd=project)

    outcome = outcome_of(result)
    assert not target.exists(), describe(result)
    assert outcome["violation"], outcome


# ----- --fs-readonly=ROOT: reads outside ROOT -----

SECRET = "s3cret-token-5f1d7c"
HIDDEN_ENTRY = "hidden-entry-9b2e"


@pytest.fixture
def read_layout(tmp_path):
    """ROOT with a program directory inside, and a secret directory outside ROOT."""
    root = tmp_path / "root"
    (root / "scripts").mkdir(parents=True)
    (root / "inside.txt").write_text("inside text\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text(SECRET + "\n")
    (outside / HIDDEN_ENTRY).write_text("entry\n")
    return {"root": root, "scripts": root / "scripts", "outside": outside, "secret": secret}


def assert_no_leak(result, *texts):
    for text in texts:
        assert text not in result.stdout, describe(result)
        assert text not in result.stderr, describe(result)


READ_TECHNIQUES = {
    "open": "print(open(SECRET_FILE).read())",
    "io_fileio": "import io\nprint(io.FileIO(SECRET_FILE).read())",
    "os_open": "print(os.read(os.open(SECRET_FILE, os.O_RDONLY), 100))",
    "pathlib_read_text": "import pathlib\nprint(pathlib.Path(SECRET_FILE).read_text())",
    "dotdot_from_root": "print(open(os.path.join(ROOT, '..', 'outside', 'secret.txt')).read())",
    "symlink_in_root": "print(open(os.path.join(ROOT, 'link-to-secret')).read())",
    "proc_self_root": "print(open('/proc/self/root' + SECRET_FILE).read())",
    "listdir": "print(os.listdir(OUTSIDE))",
    "scandir": "print([entry.name for entry in os.scandir(OUTSIDE)])",
    "relative_after_chdir": "os.chdir(OUTSIDE)\nprint(open('secret.txt').read())",
    "listdir_of_cwd_after_chdir": "os.chdir(OUTSIDE)\nprint(os.listdir())",
}


def read_program(layout, body):
    setup = (
        "import os\n"
        f"ROOT = {str(layout['root'])!r}\n"
        f"OUTSIDE = {str(layout['outside'])!r}\n"
        f"SECRET_FILE = {str(layout['secret'])!r}\n"
    )
    (layout["root"] / "link-to-secret").symlink_to(layout["secret"])
    return write_program(layout["scripts"], body, setup=setup)


@pytest.mark.parametrize("name", sorted(READ_TECHNIQUES))
def test_read_outside_root_blocked(read_layout, name):
    program = read_program(read_layout, READ_TECHNIQUES[name])

    result = run_program(program, f"--fs-readonly={read_layout['root']}")

    outcome = outcome_of(result)
    assert_no_leak(result, SECRET, HIDDEN_ENTRY)
    assert outcome["violation"], outcome
    assert outcome["permission_error"], outcome
    assert outcome["message"].startswith("read outside root: "), outcome


@pytest.mark.parametrize("name", sorted(READ_TECHNIQUES))
def test_read_outside_root_works_unguarded(read_layout, name):
    program = read_program(read_layout, READ_TECHNIQUES[name])

    result = run_program(program)

    assert outcome_of(result)["raised"] is None, describe(result)
    assert SECRET in result.stdout or HIDDEN_ENTRY in result.stdout, describe(result)


def test_read_outside_root_message(read_layout):
    program = read_program(read_layout, READ_TECHNIQUES["open"])

    result = run_program(program, f"--fs-readonly={read_layout['root']}")

    message = f"read outside root: open({read_layout['secret']})"
    assert outcome_of(result)["message"] == message
    assert relevant_blocked_lines(result.stderr) == [f"hermetic: blocked action: {message}"], describe(result)


def test_os_walk_outside_root_lists_nothing(read_layout):
    """os.walk ignores listing errors by default; it must still see no names."""
    program = read_program(read_layout, "print(list(os.walk(OUTSIDE)))")

    result = run_program(program, f"--fs-readonly={read_layout['root']}")

    assert_no_leak(result, SECRET, HIDDEN_ENTRY)
    assert f"hermetic: blocked action: read outside root: listdir({read_layout['outside']})" in (
        relevant_blocked_lines(result.stderr)
    ), describe(result)


def test_proc_self_fd_of_inherited_secret_blocked(read_layout):
    """Re-opening an inherited descriptor through /proc/self/fd resolves to the secret."""
    fd = os.open(read_layout["secret"], os.O_RDONLY)
    try:
        program = read_program(read_layout, f"print(open('/proc/self/fd/{fd}').read())")
        unguarded = run_program(program, pass_fds=(fd,))
        assert SECRET in unguarded.stdout, describe(unguarded)

        result = run_program(program, f"--fs-readonly={read_layout['root']}", pass_fds=(fd,))
    finally:
        os.close(fd)

    outcome = outcome_of(result)
    assert_no_leak(result, SECRET)
    assert outcome["violation"], outcome


def test_read_inside_root_works(read_layout):
    program = read_program(
        read_layout,
        "print(open(os.path.join(ROOT, 'inside.txt')).read())\nprint(sorted(os.listdir(ROOT)))",
    )

    result = run_program(program, f"--fs-readonly={read_layout['root']}")

    assert outcome_of(result)["raised"] is None, describe(result)
    assert "inside text" in result.stdout, describe(result)
    assert "'inside.txt'" in result.stdout, describe(result)
    assert relevant_blocked_lines(result.stderr) == [], describe(result)


def test_read_root_still_blocks_writes(read_layout):
    target = read_layout["root"] / "new.txt"
    program = read_program(read_layout, f"open({str(target)!r}, 'w').write('x')")

    result = run_program(program, f"--fs-readonly={read_layout['root']}")

    outcome = outcome_of(result)
    assert not target.exists(), describe(result)
    assert outcome["message"].startswith("filesystem readonly: open("), outcome


def test_allow_read_makes_directory_readable(read_layout):
    program = read_program(read_layout, "print(open(SECRET_FILE).read())\nprint(os.listdir(OUTSIDE))")

    result = run_program(
        program, f"--fs-readonly={read_layout['root']}", "--allow-read", read_layout["outside"]
    )

    assert outcome_of(result)["raised"] is None, describe(result)
    assert SECRET in result.stdout, describe(result)
    assert HIDDEN_ENTRY in result.stdout, describe(result)
    assert relevant_blocked_lines(result.stderr) == [], describe(result)


def test_allow_read_does_not_allow_write(read_layout):
    target = read_layout["outside"] / "new.txt"
    program = read_program(read_layout, f"open({str(target)!r}, 'w').write('x')")

    result = run_program(
        program, f"--fs-readonly={read_layout['root']}", "--allow-read", read_layout["outside"]
    )

    outcome = outcome_of(result)
    assert not target.exists(), describe(result)
    assert outcome["violation"], outcome


def test_script_outside_root_imports_stdlib_and_neighbour(tmp_path):
    """The standard library, site-packages and the script's own directory stay readable."""
    root = tmp_path / "root"
    root.mkdir()
    scripts = tmp_path / "elsewhere"
    scripts.mkdir()
    (scripts / "neighbour.py").write_text("GREETING = 'hello from the neighbour'\n")
    program = scripts / "main.py"
    program.write_text(
        textwrap.dedent(
            """\
            import asyncio
            import decimal
            import json

            import yaml

            import neighbour


            async def add(a, b):
                return a + b


            print(json.dumps({"sum": str(decimal.Decimal("0.1") + decimal.Decimal("0.2"))}))
            print(asyncio.run(add(2, 3)))
            print(yaml.safe_load("a: 1"))
            print(neighbour.GREETING)
            """
        )
    )

    result = run_program(program, f"--fs-readonly={root}", env=without_leak_check(clean_env()))

    assert result.returncode == 0, describe(result)
    assert result.stdout.splitlines() == [
        '{"sum": "0.3"}',
        "5",
        "{'a': 1}",
        "hello from the neighbour",
    ], describe(result)
    assert relevant_blocked_lines(result.stderr) == [], describe(result)


def test_python_c_under_read_root(tmp_path):
    """python3 -c has no script; the standard library alone must be readable."""
    root = tmp_path / "root"
    root.mkdir()

    result = run_hermetic(
        [f"--fs-readonly={root}", "--", PYTHON, "-c", "import json, decimal, email.parser; print('ok')"],
        cwd=root,
    )

    assert result.returncode == 0, describe(result)
    assert result.stdout == "ok\n", describe(result)
    assert relevant_blocked_lines(result.stderr) == [], describe(result)


def test_empty_read_root_is_usage_error(tmp_path):
    result = run_hermetic(["--fs-readonly=", "--", PYTHON, "-c", "print('ran')"])

    assert result.returncode == 64, describe(result)
    assert "ran" not in result.stdout
    assert result.stderr.startswith("hermetic: "), describe(result)



# ----- device files -----

def test_dev_null_writable_under_readonly(tmp_path):
    program = write_program(tmp_path, "open(os.devnull, 'w').write('discarded')", setup="import os")

    result = run_program(program, "--fs-readonly")

    assert outcome_of(result)["raised"] is None, describe(result)


def test_subprocess_devnull_under_readonly(tmp_path):
    program = write_program(
        tmp_path,
        "import subprocess\nprint('exit', subprocess.run(['true'], stdout=subprocess.DEVNULL).returncode)",
    )

    result = run_program(program, "--fs-readonly")

    assert outcome_of(result)["raised"] is None, describe(result)
    assert "exit 0" in result.stdout, describe(result)


def test_write_after_current_directory_removed(tmp_path):
    """A relative path with no current directory is decided on its text,
    which no --allow-write path matches: the write is blocked."""
    gone = tmp_path / "gone"
    gone.mkdir()
    code = textwrap.dedent(
        f"""\
        import os
        import hermetic
        os.chdir({str(gone)!r})
        os.rmdir({str(gone)!r})
        for path in ("x", "a/../../x", "."):
            try:
                open(path, "w").close()
                print(path, "written")
            except hermetic.PolicyViolation:
                print(path, "blocked")
            except OSError as error:
                print(path, type(error).__name__)
        """
    )

    result = run_hermetic(["--fs-readonly", "--allow-write", tmp_path, "--", PYTHON, "-c", code])

    assert result.returncode == 0, describe(result)
    assert result.stdout.splitlines() == ["x blocked", "a/../../x blocked", ". blocked"], describe(result)
