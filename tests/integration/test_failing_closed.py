"""Failing closed: a policy that cannot be loaded stops hermetic.

Each case gives hermetic a broken profile, conflicting options or an
unparsable inherited policy. hermetic must exit with the status that
hermetic(1) documents (78 for a profile, 64 for options), print one
message that names the problem, and never start the program, which would
create a marker file.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import EXIT_PROFILE, EXIT_USAGE, HERMETIC, HERMETIC_PYTHON, PYTHON, clean_env, run

PROFILE_SIZE_MAX = 1024 * 1024
PROFILE_DEPTH_MAX = 16


@pytest.fixture
def marker(tmp_path):
    """The file the program creates as its first statement."""
    return tmp_path / "program-started"


def start_code(marker):
    return f"open({str(marker)!r}, 'w').write('started')"


def run_with(options, marker, **kwargs):
    return run([HERMETIC, *options, "--", PYTHON, "-c", start_code(marker)], **kwargs)


def assert_refused(result, status, *fragments, marker):
    """Check the exit status, that each fragment is in the message, and
    that the program did not start."""
    assert result.returncode == status, result.stderr
    assert result.stderr.startswith("hermetic: "), result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert result.stdout == ""
    assert not marker.exists(), "the program started"


def write_profile(path, text):
    path.write_text(text)
    return path


# ----- profiles that cannot be read -----


def test_profile_unreadable_proc_file(marker):
    """/proc/self/mem opens as a regular file, and reading it fails."""
    result = run_with(["--profile", "/proc/self/mem"], marker)

    assert_refused(result, EXIT_PROFILE, "cannot read profile /proc/", "/mem: Input/output error",
                   marker=marker)


def test_profile_unreadable_in_user_namespace(marker):
    """A file of mode 0000 read from a user namespace, where root's
    capabilities do not cover files whose owner the namespace does not map."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare(1) is not installed")
    if subprocess.run(["unshare", "--user", "true"], capture_output=True).returncode != 0:
        pytest.skip("user namespaces are not available here")
    if not os.access(HERMETIC, os.X_OK, effective_ids=False) or os.stat(HERMETIC).st_mode & 0o001 == 0:
        pytest.skip(f"{HERMETIC} is not executable by other users")
    # pytest's tmp_path is private to root; the namespace's user needs a
    # world-searchable directory.
    top = Path(tempfile.mkdtemp(prefix="hermetic-unreadable-"))
    try:
        top.chmod(0o755)
        profile = write_profile(top / "secret.yaml", "version: 1\nnetwork:\n  block: true\n")
        profile.chmod(0o000)
        drop = top / "drop"
        drop.mkdir()
        drop.chmod(0o777)
        marker_in_drop = drop / "program-started"

        result = run(["unshare", "--user", "--", HERMETIC, "--profile", profile, "--", PYTHON, "-c",
                      start_code(marker_in_drop)])

        assert_refused(result, EXIT_PROFILE, f"cannot read profile {profile}: Permission denied",
                       marker=marker_in_drop)
    finally:
        shutil.rmtree(top)


def test_profile_is_directory(tmp_path, marker):
    directory = tmp_path / "profile.yaml"
    directory.mkdir()

    result = run_with(["--profile", directory], marker)

    assert_refused(result, EXIT_PROFILE, f"cannot read profile {directory}: not a regular file", marker=marker)


def test_profile_is_fifo(tmp_path, marker):
    fifo = tmp_path / "profile.yaml"
    os.mkfifo(fifo)

    result = run_with(["--profile", fifo], marker, timeout=30)

    assert_refused(result, EXIT_PROFILE, f"cannot read profile {fifo}: not a regular file", marker=marker)


def test_profile_too_large(tmp_path, marker):
    profile = tmp_path / "huge.yaml"
    filler = "# " + "x" * 97 + "\n"
    profile.write_text("version: 1\n" + filler * (PROFILE_SIZE_MAX // len(filler) + 1))
    assert profile.stat().st_size > PROFILE_SIZE_MAX

    result = run_with(["--profile", profile], marker)

    assert_refused(result, EXIT_PROFILE, f"{profile}: profile is larger than {PROFILE_SIZE_MAX} bytes",
                   marker=marker)


def test_profile_not_found(tmp_path, marker):
    env = clean_env(HERMETIC_PROFILE_PATH=str(tmp_path))

    result = run_with(["--profile", "no-such-profile"], marker, env=env)

    assert_refused(result, EXIT_PROFILE, 'profile "no-such-profile" not found', str(tmp_path), marker=marker)


def test_profile_file_not_found(tmp_path, marker):
    missing = tmp_path / "missing.yaml"

    result = run_with(["--profile", missing], marker)

    assert_refused(result, EXIT_PROFILE, f"profile file {missing}: No such file or directory", marker=marker)


# ----- profiles that do not load -----


def test_extends_chain_too_deep(tmp_path, marker):
    count = PROFILE_DEPTH_MAX + 1
    for i in range(count):
        extends = f"extends: p{i + 1}.yaml\n" if i + 1 < count else ""
        write_profile(tmp_path / f"p{i}.yaml", f"version: 1\n{extends}network:\n  block: true\n")

    result = run_with(["--profile", tmp_path / "p0.yaml"], marker)

    assert_refused(result, EXIT_PROFILE, f"{tmp_path}/p0.yaml: extends chain deeper than {PROFILE_DEPTH_MAX} profiles",
                   marker=marker)


def test_extends_chain_at_limit_loads(tmp_path, marker):
    """The deepest chain that is allowed still loads and runs."""
    for i in range(PROFILE_DEPTH_MAX):
        extends = f"extends: p{i + 1}.yaml\n" if i + 1 < PROFILE_DEPTH_MAX else ""
        write_profile(tmp_path / f"p{i}.yaml", f"version: 1\n{extends}network:\n  block: true\n")

    result = run_with(["--profile", tmp_path / "p0.yaml"], marker)

    assert result.returncode == 0, result.stderr
    assert marker.exists()


def test_extends_cycle(tmp_path, marker):
    a = write_profile(tmp_path / "a.yaml", "version: 1\nextends: b.yaml\n")
    b = write_profile(tmp_path / "b.yaml", "version: 1\nextends: a.yaml\n")

    result = run_with(["--profile", a], marker)

    assert_refused(result, EXIT_PROFILE, f"{a}: extends cycle: {b} extends {a} again", marker=marker)


def test_yaml_alias_bomb(tmp_path, marker):
    """Nine levels of nine aliases each: 9^9 names, were aliases expanded."""
    lines = ["version: 1", "network:", "  block: true",
             "  allow: &a [" + ", ".join(["lol.example"] * 9) + "]",
             "subprocess:", "  block: true", "  allow_exec:", "    - *a"]
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"    - &{level} [" + ", ".join([f"*{previous}"] * 9) + "]")
    profile = write_profile(tmp_path / "bomb.yaml", "\n".join(lines) + "\n")

    result = run_with(["--profile", profile], marker, timeout=30)

    assert_refused(result, EXIT_PROFILE, f"{profile}:8:7: YAML aliases (*a) are not supported in profiles",
                   marker=marker)


@pytest.mark.parametrize("key", ["root", "allow_read"])
def test_profile_path_missing(tmp_path, marker, key):
    missing = tmp_path / "does-not-exist"
    value = str(missing) if key == "root" else f"[{missing}]"
    root = "" if key == "root" else f"  root: {tmp_path}\n"
    profile = write_profile(tmp_path / "paths.yaml", f"version: 1\nfilesystem:\n{root}  {key}: {value}\n")

    result = run_with(["--profile", profile], marker)

    assert_refused(result, EXIT_PROFILE, f"filesystem.{key}: cannot resolve \"{missing}\": No such file or directory",
                   marker=marker)


# ----- options that conflict -----


def test_read_roots_that_do_not_nest(tmp_path, marker):
    first = tmp_path / "first"
    second = tmp_path / "second"
    first.mkdir()
    second.mkdir()

    result = run_with([f"--fs-readonly={first}", f"--fs-readonly={second}"], marker)

    assert_refused(result, EXIT_USAGE, f"conflicting read roots: {second} (from --fs-readonly) and {first} do not nest",
                   marker=marker)


def test_read_roots_of_profile_and_option(tmp_path, marker):
    first = tmp_path / "first"
    second = tmp_path / "second"
    first.mkdir()
    second.mkdir()
    profile = write_profile(tmp_path / "root.yaml", f"version: 1\nfilesystem:\n  root: {first}\n")

    result = run_with(["--profile", profile, f"--fs-readonly={second}"], marker)

    assert_refused(result, EXIT_USAGE, "conflicting read roots", str(first), str(second), marker=marker)


def test_two_log_json_files(tmp_path, marker):
    first = tmp_path / "first.jsonl"
    second = tmp_path / "second.jsonl"

    result = run_with(["--log-json", first, "--log-json", second], marker)

    assert_refused(result, EXIT_USAGE, f"--log-json given twice ({first} and {second}); give one file", marker=marker)
    assert not first.exists()
    assert not second.exists()


def test_log_json_of_profile_and_option(tmp_path, marker):
    first = tmp_path / "first.jsonl"
    second = tmp_path / "second.jsonl"
    profile = write_profile(tmp_path / "log.yaml", f"version: 1\nlog_json: {first}\n")

    result = run_with(["--profile", profile, "--log-json", second], marker)

    assert_refused(result, EXIT_USAGE, "conflicting --log-json files", str(first), str(second), marker=marker)


# ----- the policy inherited by hermetic-python -----


@pytest.mark.parametrize(
    "policy, fragment",
    [
        ("version: 1\nnetwork: [", "HERMETIC_POLICY:"),
        ("version: 2\n", "unsupported profile version 2"),
        ("network:\n  block: true\n", 'missing "version: 1"'),
        ("version: 1\nnetwork:\n  block: maybe\n", 'network.block: expected true or false, got "maybe"'),
        ("version: 1\nfilesystem:\n  root: /nonexistent-hermetic-root\n", "filesystem.root: cannot resolve"),
        ("\x01", "HERMETIC_POLICY:"),
    ],
    ids=["unclosed_flow", "version_2", "no_version", "bad_bool", "missing_root", "control_character"],
)
def test_inherited_policy_invalid(marker, policy, fragment):
    env = clean_env(HERMETIC_POLICY=policy)

    result = run([HERMETIC_PYTHON, "-c", start_code(marker)], env=env)

    assert_refused(result, EXIT_PROFILE, fragment, "(the policy inherited from the parent process)", marker=marker)


def test_inherited_policy_empty_means_none(marker):
    """An empty HERMETIC_POLICY is no inherited policy: the default profile applies."""
    env = clean_env(HERMETIC_POLICY="")

    result = run([HERMETIC_PYTHON, "-c", start_code(marker)], env=env)

    assert result.returncode == 0, result.stderr
    assert marker.exists()
