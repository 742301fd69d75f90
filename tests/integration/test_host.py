"""The host runs a program exactly as /usr/bin/python3 would.

Each test runs the same command twice, once as `/usr/bin/python3 ARGS` and
once as `hermetic -- /usr/bin/python3 ARGS`, and compares the start-up
state (sys.flags, sys.path, sys.argv, encodings, ...) and how the program
ends (exit status, stderr). Only sys.executable may differ.
"""

import json
import signal
import subprocess
import textwrap

import pytest

from conftest import HERMETIC, PYTHON, clean_env, hermetic, run

# Prints what the interpreter's start-up decided, as one JSON object.
PROBE = textwrap.dedent(
    """\
    import json, sys
    print(json.dumps({
        "flags": repr(sys.flags),
        "path": sys.path,
        "argv": sys.argv,
        "orig_argv": sys.orig_argv,
        "prefix": sys.prefix,
        "base_prefix": sys.base_prefix,
        "exec_prefix": sys.exec_prefix,
        "filesystem_encoding": sys.getfilesystemencoding(),
        "filesystem_errors": sys.getfilesystemencodeerrors(),
        "stdout_encoding": sys.stdout.encoding,
        "stderr_errors": sys.stderr.errors,
        "warnoptions": sys.warnoptions,
        "xoptions": sys._xoptions,
        "dev_mode": sys.flags.dev_mode,
    }))
    """
)

# Every key that PROBE prints. sys.executable is left out because it may differ.
PROBE_KEYS = [
    "flags",
    "path",
    "argv",
    "orig_argv",
    "prefix",
    "base_prefix",
    "exec_prefix",
    "filesystem_encoding",
    "filesystem_errors",
    "stdout_encoding",
    "stderr_errors",
    "warnoptions",
    "xoptions",
    "dev_mode",
]


@pytest.fixture
def probe_dir(tmp_path):
    """A directory with the probe as a script (probe.py) and a module (probe_mod)."""
    (tmp_path / "probe.py").write_text(PROBE)
    (tmp_path / "probe_mod.py").write_text(PROBE)
    return tmp_path


def run_both(args, policy=(), **kwargs):
    """Run /usr/bin/python3 ARGS directly and under hermetic with `policy`, and return both results."""
    direct = run([PYTHON, *args], **kwargs)
    hosted = hermetic(*policy, "--", PYTHON, *args, **kwargs)
    return direct, hosted


# Policies to run the parity cases under: none, and the network guard, which
# installs its patches before site runs.
POLICIES = {"no_policy": [], "no_network": ["--no-network", "--allow-localhost"]}


def probe_output(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# Python command lines to compare. "{dir}" is replaced by the probe directory.
PARITY_CASES = {
    "c": ["-c", PROBE, "a", "b c"],
    "m": ["-m", "probe_mod", "a", "--flag"],
    "script": ["{dir}/probe.py", "a", "b"],
    "isolated": ["-I", "-c", PROBE, "a"],
    "no_site": ["-S", "-c", PROBE],
    "dev_mode": ["-X", "dev", "-c", PROBE],
    "xoption_value": ["-X", "utf8", "-X", "custom=1", "-c", PROBE],
    "warnings_error": ["-W", "error", "-c", PROBE],
    "ignore_environment": ["-E", "-c", PROBE],
    "script_isolated": ["-I", "{dir}/probe.py"],
    "unbuffered_optimize": ["-u", "-O", "-B", "{dir}/probe.py"],
}


@pytest.mark.parametrize("policy", sorted(POLICIES))
@pytest.mark.parametrize("case", sorted(PARITY_CASES))
def test_start_up_state_matches_python(case, policy, probe_dir):
    args = [arg.replace("{dir}", str(probe_dir)) for arg in PARITY_CASES[case]]
    direct, hosted = run_both(args, POLICIES[policy], cwd=probe_dir)

    expected = probe_output(direct)
    actual = probe_output(hosted)
    assert hosted.stderr == direct.stderr
    for key in PROBE_KEYS:
        assert actual[key] == expected[key], f"{key} differs\nhermetic stderr:\n{hosted.stderr}"


@pytest.mark.parametrize("options", [[], ["-E"], ["-I"]], ids=["environment", "ignore_environment", "isolated"])
def test_python_variables_match_python(options, probe_dir, tmp_path_factory):
    """PYTHONPATH, PYTHONWARNINGS and PYTHONUTF8 take effect, or not under -E and -I, as in python3."""
    extra_path = tmp_path_factory.mktemp("pythonpath")
    env = clean_env(PYTHONPATH=str(extra_path), PYTHONWARNINGS="ignore::DeprecationWarning", PYTHONUTF8="1")
    direct, hosted = run_both([*options, "-c", PROBE], cwd=probe_dir, env=env)

    expected = probe_output(direct)
    actual = probe_output(hosted)
    for key in PROBE_KEYS:
        assert actual[key] == expected[key], f"{key} differs\nhermetic stderr:\n{hosted.stderr}"


def test_json_tool_module_matches_python(tmp_path):
    data = tmp_path / "data.json"
    data.write_text('{"b": [1, 2], "a": {"c": null}}')
    direct, hosted = run_both(["-m", "json.tool", "--sort-keys", data])

    assert direct.returncode == 0, direct.stderr
    assert hosted.returncode == 0, hosted.stderr
    assert hosted.stdout == direct.stdout
    assert hosted.stderr == direct.stderr


def test_json_tool_error_matches_python(tmp_path):
    data = tmp_path / "broken.json"
    data.write_text('{"a": ')
    direct, hosted = run_both(["-m", "json.tool", data])

    assert direct.returncode != 0
    assert hosted.returncode == direct.returncode, hosted.stderr
    assert hosted.stderr == direct.stderr


# Programs that end in different ways. Exit status, stdout and stderr must match.
EXIT_CASES = {
    "system_exit_3": "raise SystemExit(3)",
    "sys_exit_message": "import sys; sys.exit('msg')",
    "sys_exit_none": "import sys; print('out'); sys.exit(None)",
    "sys_exit_large": "import sys; sys.exit(300)",
    "uncaught_exception": "def f():\n    raise ValueError('boom')\nf()",
    "uncaught_chained": "try:\n    1/0\nexcept ZeroDivisionError as e:\n    raise KeyError('k') from e",
    "warning_printed": "import warnings; warnings.warn('careful', UserWarning)",
}


@pytest.mark.parametrize("policy", sorted(POLICIES))
@pytest.mark.parametrize("case", sorted(EXIT_CASES))
def test_exit_status_matches_python(case, policy):
    direct, hosted = run_both(["-c", EXIT_CASES[case]], POLICIES[policy])

    assert hosted.returncode == direct.returncode, hosted.stderr
    assert hosted.stdout == direct.stdout
    assert hosted.stderr == direct.stderr


def test_warning_as_error_matches_python():
    code = "import warnings; warnings.warn('careful', UserWarning); print('not reached')"
    direct, hosted = run_both(["-W", "error", "-c", code])

    assert direct.returncode == 1
    assert hosted.returncode == direct.returncode, hosted.stderr
    assert hosted.stdout == direct.stdout
    assert hosted.stderr == direct.stderr


def interrupt_during_sleep(args):
    """Start `args`, wait until the program sleeps, send SIGINT, return (status, stderr)."""
    code = "import time; print('sleeping', flush=True); time.sleep(60); print('woke up')"
    process = subprocess.Popen(
        [str(a) for a in args] + ["-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(),
        # A child inherits an ignored SIGINT, so restore the default handling.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert process.stdout.readline() == "sleeping\n"
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "woke up" not in stdout
    return process.returncode, stderr


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_sigint_during_sleep_matches_python(policy):
    direct_status, direct_stderr = interrupt_during_sleep([PYTHON])
    hosted_status, hosted_stderr = interrupt_during_sleep([HERMETIC, *POLICIES[policy], "--", PYTHON])

    assert direct_status == -signal.SIGINT
    assert hosted_status == direct_status, hosted_stderr
    assert hosted_stderr == direct_stderr


def test_stdin_program_matches_python():
    direct, hosted = run_both(["-", "x"], input="import sys; print(sys.argv, sys.path[0] == '')\n")

    assert direct.returncode == 0, direct.stderr
    assert hosted.returncode == 0, hosted.stderr
    assert hosted.stdout == direct.stdout


def test_python_usage_error_matches_python():
    direct, hosted = run_both(["--no-such-python-option"])

    assert direct.returncode == 2
    assert hosted.returncode == direct.returncode, hosted.stderr
    assert hosted.stderr == direct.stderr
