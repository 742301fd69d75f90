"""hermetic-python: python3's command line with hermetic's policy applied.

The first tests run the same command with hermetic-python and with
/usr/bin/python3 and compare what the program saw (sys.argv, sys.path,
sys.flags, ...) and printed. The others check which policy applies, by
effect: with no policy option the profile "default" blocks network,
subprocesses and native code. The #! tests run scripts directly, so the
kernel starts hermetic-python with everything after the interpreter path
of the #! line as one argument.
"""

import json
import shutil

import pytest

from api_support import child_env, results_of, settled_connections, write_program
from attempts import describe
from conftest import CLEAN_PATH, EXIT_INTERNAL, EXIT_USAGE, HERMETIC_PYTHON, PYTHON, run, without_leak_check

TOUCH = shutil.which("touch", path=CLEAN_PATH)

# A program that prints the state the interpreter's command line sets. It
# imports nothing that a guard could block, so the default profile does not
# change its output.
PROBE = """\
import json
import sys

flags = ("isolated", "ignore_environment", "no_user_site", "safe_path", "utf8_mode", "dev_mode", "optimize")
print(json.dumps({
    "argv": sys.argv,
    "path": sys.path,
    "name": __name__,
    "flags": {flag: getattr(sys.flags, flag) for flag in flags},
    "xoptions": sys._xoptions,
    "filesystem_encoding": sys.getfilesystemencoding(),
    "stdout_encoding": sys.stdout.encoding,
}))
"""


def run_both(python_args, options=(), cwd=None, input=None):
    """Run `python_args` with hermetic-python (after `options`) and with python3."""
    guarded = run([HERMETIC_PYTHON, *options, *python_args], env=child_env(), cwd=cwd, input=input)
    plain = run([PYTHON, *python_args], env=child_env(), cwd=cwd, input=input)
    return guarded, plain


def probe_cases(tmp_path):
    """Return, by name, the command line to compare, its standard input and the sys.argv[1:] it gives."""
    (tmp_path / "probe.py").write_text(PROBE)
    (tmp_path / "probe_module.py").write_text(PROBE)
    return {
        "-c": (["-c", PROBE, "one", "two words"], None, ["one", "two words"]),
        "-m": (["-m", "probe_module", "one", "two words"], None, ["one", "two words"]),
        "script": ([tmp_path / "probe.py", "one", "two words"], None, ["one", "two words"]),
        "stdin": (["-", "one", "two words"], PROBE, ["one", "two words"]),
        "-I": (["-I", tmp_path / "probe.py", "one"], None, ["one"]),
        "-X utf8": (["-X", "utf8", "-c", PROBE, "one"], None, ["one"]),
        # json.tool prints its input, not the probe, so there is no sys.argv to read.
        "-I -X utf8 -m": (["-I", "-X", "utf8", "-m", "json.tool", "--sort-keys"], '{"b": 1, "a": 2}', None),
    }


CASE_NAMES = ["-c", "-m", "script", "stdin", "-I", "-X utf8", "-I -X utf8 -m"]


@pytest.mark.parametrize("options", [[], ["--no-network"]], ids=["no-options", "with-options"])
@pytest.mark.parametrize("case", CASE_NAMES)
def test_command_line_as_python3(tmp_path, case, options):
    python_args, stdin_text, argv_tail = probe_cases(tmp_path)[case]

    guarded, plain = run_both(python_args, options, cwd=tmp_path, input=stdin_text)

    assert plain.returncode == 0, describe(plain)
    assert plain.stdout != "", describe(plain)
    assert guarded.returncode == 0, describe(guarded)
    assert guarded.stdout == plain.stdout, describe(guarded)
    assert guarded.stderr == plain.stderr, describe(guarded)
    if argv_tail is not None:
        assert json.loads(guarded.stdout)["argv"][1:] == argv_tail, describe(guarded)


def test_exit_status_as_python3(tmp_path):
    guarded, plain = run_both(["-c", "import sys; print('leaving'); sys.exit(3)"], cwd=tmp_path)

    assert plain.returncode == 3
    assert guarded.returncode == 3, describe(guarded)
    assert guarded.stdout == "leaving\n", describe(guarded)


@pytest.mark.parametrize("option", ["--version", "-V", "--help", "-h"])
def test_version_and_help_are_python3s(tmp_path, option):
    guarded, plain = run_both([option], cwd=tmp_path)

    assert plain.returncode == 0, describe(plain)
    assert guarded.returncode == 0, describe(guarded)
    assert guarded.stdout == plain.stdout, describe(guarded)
    assert "hermetic" not in guarded.stdout


@pytest.mark.parametrize("option", ["--no-netwrok", "--no-net", "--sea=1"])
def test_unknown_long_option_is_usage_error(tmp_path, option):
    """A misspelt hermetic option gets hermetic's message and status, not python3's."""
    marker = tmp_path / "ran"

    result = run([HERMETIC_PYTHON, option, "-c", f"open({str(marker)!r}, 'w')"], cwd=tmp_path)

    assert result.returncode == EXIT_USAGE, describe(result)
    assert result.stderr.startswith(f"hermetic: unknown option {option.split('=')[0]} "), describe(result)
    assert not marker.exists()


# A program that tries each guard of the default profile: network,
# subprocess, and native code (PyYAML's C accelerator, an extension module
# outside the standard library).
ATTEMPTS = """
report(
    connect=outcome(connect, PORT),
    run=outcome(run_program, TOUCH, MARKER),
    native=outcome(import_module, "yaml._yaml"),
)
"""

DEFAULT_PROFILE = {"connect": "blocked", "run": "blocked", "native": "blocked"}


def attempt_all(tmp_path, listener, *options):
    """Run ATTEMPTS with hermetic-python and `options`; return the result and its side effects."""
    marker = tmp_path / "marker"
    program = write_program(tmp_path / "attempts.py", ATTEMPTS, PORT=listener.port, TOUCH=TOUCH, MARKER=str(marker))
    # The program may load yaml._yaml.
    env = without_leak_check(child_env())
    result = run([HERMETIC_PYTHON, *options, "-c", program.read_text()], env=env, cwd=tmp_path)
    effects = {"connections": settled_connections(listener), "marker": marker.exists()}
    return result, effects


@pytest.mark.parametrize(
    "options", [[], ["--kernel=auto"], ["--kernel=off"], ["--trace"]], ids=["none", "kernel-auto", "kernel-off", "trace"]
)
def test_default_profile_without_policy_options(tmp_path, tcp_listener, options):
    """--kernel and --trace change how the policy is enforced and reported, not what it is."""
    result, effects = attempt_all(tmp_path, tcp_listener, *options)

    assert result.returncode == 0, describe(result)
    assert results_of(result) == DEFAULT_PROFILE, describe(result)
    assert effects == {"connections": 0, "marker": False}, describe(result)


def test_bare_kernel_keeps_default_profile(tmp_path, tcp_listener):
    """Bare --kernel requires the kernel layer. The program never runs with less than the default profile."""
    result, effects = attempt_all(tmp_path, tcp_listener, "--kernel")

    assert effects == {"connections": 0, "marker": False}, describe(result)
    if result.returncode == EXIT_INTERNAL:
        # The kernel layer is not built: hermetic stops before the program runs.
        assert "the kernel guard" in result.stderr, describe(result)
        assert "RESULT" not in result.stdout, describe(result)
    else:
        assert results_of(result) == DEFAULT_PROFILE, describe(result)


def test_policy_option_replaces_default_profile(tmp_path, tcp_listener):
    result, effects = attempt_all(tmp_path, tcp_listener, "--no-network")

    assert result.returncode == 0, describe(result)
    assert results_of(result) == {"connect": "blocked", "run": "ok", "native": "ok"}, describe(result)
    assert effects == {"connections": 0, "marker": True}, describe(result)


# ----- scripts that name hermetic-python in their #! line -----

SHEBANG_BODY = """
report(
    argv=sys.argv,
    isolated=sys.flags.isolated,
    policy=hermetic.policy(),
    connect=outcome(connect, PORT),
    run=outcome(run_program, TOUCH, RUN_MARKER),
    write=outcome(write_file, WRITE_FILE),
)
print("after the attempts", file=sys.stderr, flush=True)
"""


def shebang_script(tmp_path, shebang, listener, write_file=None):
    """Write an executable script with `shebang` that runs SHEBANG_BODY; return it and its marker paths."""
    script = tmp_path / "script.py"
    markers = {"run": tmp_path / "run-marker", "write": write_file or tmp_path / "written"}
    source = write_program(
        script,
        SHEBANG_BODY,
        PORT=listener.port,
        TOUCH=TOUCH,
        RUN_MARKER=str(markers["run"]),
        WRITE_FILE=str(markers["write"]),
    ).read_text()
    script.write_text(f"#!{shebang}\n{source}")
    script.chmod(0o755)
    return script, markers


def test_shebang_applies_default_profile(tmp_path, tcp_listener):
    script, markers = shebang_script(tmp_path, HERMETIC_PYTHON, tcp_listener)

    result = run([script, "one", "two words"], env=child_env(), cwd=tmp_path)

    values = results_of(result)
    assert values["argv"] == [str(script), "one", "two words"], describe(result)
    assert values["connect"] == "blocked", describe(result)
    assert values["run"] == "blocked", describe(result)
    assert values["write"] == "ok", describe(result)
    assert values["policy"]["native"]["block"] is True, describe(result)
    assert settled_connections(tcp_listener) == 0
    assert not markers["run"].exists()


def test_shebang_options_split(tmp_path, tcp_listener):
    """The kernel passes "--profile=block-all --trace" as one argument, which hermetic-python splits."""
    script, markers = shebang_script(tmp_path, f"{HERMETIC_PYTHON} --profile=block-all --trace", tcp_listener)

    result = run([script, "one"], env=child_env(), cwd=tmp_path)

    values = results_of(result)
    assert values["argv"] == [str(script), "one"], describe(result)
    assert values["connect"] == "blocked", describe(result)
    assert values["run"] == "blocked", describe(result)
    assert values["write"] == "blocked", describe(result)
    assert values["policy"]["filesystem"]["readonly"] is True, describe(result)
    assert values["policy"]["native"]["block"] is True, describe(result)
    assert values["policy"]["kernel"] == "auto", describe(result)
    assert settled_connections(tcp_listener) == 0
    assert not markers["run"].exists()
    assert not markers["write"].exists()
    # --trace prints each blocked action when it happens, before the program
    # goes on. block-all's kernel layer refuses IP sockets, so the socket
    # itself is what is blocked where seccomp is available.
    lines = result.stderr.splitlines()
    candidates = [
        f"hermetic: blocked action: network disabled: connect(127.0.0.1:{tcp_listener.port})",
        "hermetic: blocked action: network disabled: socket(AF_INET)",
    ]
    blocked = [line for line in candidates if line in lines]
    assert blocked, describe(result)
    assert lines.index(blocked[0]) < lines.index("after the attempts"), describe(result)


def test_shebang_options_with_quotes(tmp_path, tcp_listener):
    """Quotes in the #! options group words as env -S does: the path with a space stays one word."""
    writable = tmp_path / "out dir"
    writable.mkdir()
    shebang = f"{HERMETIC_PYTHON} --fs-readonly --allow-write \"{writable}\" '--no-network' -I"
    script, markers = shebang_script(tmp_path, shebang, tcp_listener, write_file=writable / "new.txt")

    result = run([script], env=child_env(), cwd=tmp_path)

    values = results_of(result)
    assert values["argv"] == [str(script)], describe(result)
    assert values["isolated"] == 1, describe(result)
    assert values["policy"]["filesystem"]["allow_write"] == [str(writable)], describe(result)
    assert values["write"] == "ok", describe(result)
    assert values["connect"] == "blocked", describe(result)
    # A policy option was given, so the default profile does not apply.
    assert values["run"] == "ok", describe(result)
    assert markers["write"].exists()
    assert markers["run"].exists()
    assert settled_connections(tcp_listener) == 0


def test_shebang_single_option(tmp_path, tcp_listener):
    script, markers = shebang_script(tmp_path, f"{HERMETIC_PYTHON} --no-network", tcp_listener)

    result = run([script, "--no-network"], env=child_env(), cwd=tmp_path)

    values = results_of(result)
    assert values["argv"] == [str(script), "--no-network"], describe(result)
    assert values["connect"] == "blocked", describe(result)
    assert values["run"] == "ok", describe(result)
    assert settled_connections(tcp_listener) == 0
    assert markers["run"].exists()


def test_shebang_through_env_split(tmp_path, tcp_listener):
    """#!/usr/bin/env -S hermetic-python OPTIONS: env splits the options itself."""
    script, markers = shebang_script(tmp_path, f"/usr/bin/env -S {HERMETIC_PYTHON} --profile=block-all", tcp_listener)

    result = run([script, "one"], env=child_env(), cwd=tmp_path)

    values = results_of(result)
    assert values["argv"] == [str(script), "one"], describe(result)
    assert values["connect"] == "blocked", describe(result)
    assert values["write"] == "blocked", describe(result)
    assert values["policy"]["filesystem"]["readonly"] is True, describe(result)
    assert not markers["write"].exists()
    assert settled_connections(tcp_listener) == 0


def test_shebang_unterminated_quote(tmp_path, tcp_listener):
    script, markers = shebang_script(tmp_path, f"{HERMETIC_PYTHON} --no-network --allow-write \"/tmp", tcp_listener)

    result = run([script], env=child_env(), cwd=tmp_path)

    assert result.returncode == EXIT_USAGE, describe(result)
    assert "RESULT" not in result.stdout, describe(result)
    assert "unterminated" in result.stderr, describe(result)
    assert result.stderr.startswith("hermetic: "), describe(result)
    assert settled_connections(tcp_listener) == 0
