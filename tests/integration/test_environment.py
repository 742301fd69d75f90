"""The environment guard: --no-environment (alias --no-env) and --allow-env.

A secret variable is set for the hermetic process, and each read
technique prints whatever it finds. The guarded run must never print the
secret's value. The unguarded control run of the same program must print
it, so a technique that fails for another reason cannot pass by accident.
Tests that name the earlier tool repeat a bypass of the earlier
pure-Python hermetic (PyPI hermetic-seal).

Programs that read the environment for their own settings (argparse,
tempfile, locale, shutil) must print what /usr/bin/python3 prints when it
is given only the variables that survive the scrub.

The Python API hides the same variables while a
hermetic_blocker(block_environment=True) block is active and restores them
when it ends.
"""

import json
import uuid

import pytest
import yaml

from attempts import describe, outcome_of, run_hermetic, run_program, write_program
from conftest import CLEAN_PATH, PYTHON, clean_env, run

SECRET_NAME = "HERMETIC_TEST_SECRET"
SECRET_VALUE = f"secret-{uuid.uuid4().hex}"

# The variables that survive --no-environment without --allow-env, and the
# two that hermetic itself sets so that Python children get the policy.
SAFE_NAMES = {"PATH", "HOME", "LANG", "TERM", "TZ", "TMPDIR", "USER", "LOGNAME", "SHELL", "PWD"}
HERMETIC_NAMES = {"HERMETIC_POLICY", "HERMETIC_INTERPRETER"}

SETUP = f"""
import os
import subprocess

NAME = {SECRET_NAME!r}
"""

# name -> body. Each body prints what it finds of the secret variable.
READ_TECHNIQUES = {
    "os_environ_get": "print(os.environ.get(NAME))",
    "os_environ_getitem": "print(os.environ[NAME])",
    "os_environ_items": "print(sorted(os.environ.items()))",
    "os_getenv": "print(os.getenv(NAME))",
    "os_environb": "print(os.environb.get(NAME.encode()))",
    "posix_environ_get": "import posix\nprint(posix.environ.get(NAME.encode()))",
    "posix_environ_getitem": "import posix\nprint(posix.environ[NAME.encode()])",
    "os_environ_data": "print(os.environ._data.get(NAME.encode()))",
    "libc_getenv": """
        import ctypes
        libc = ctypes.CDLL(None)
        libc.getenv.restype = ctypes.c_char_p
        print(libc.getenv(NAME.encode()))
    """,
    "proc_self_environ": """
        with open("/proc/self/environ", "rb") as stream:
            print(stream.read())
    """,
    "child_env": 'print(subprocess.run(["env"], capture_output=True, text=True).stdout)',
    "child_shell": """
        result = subprocess.run(["sh", "-c", 'echo "$' + NAME + '"'], capture_output=True, text=True)
        print(result.stdout)
    """,
}

CHILD_TECHNIQUES = ("child_env", "child_shell")

# Techniques the guard does not stop yet, each with the reason.
# Routes that still show a scrubbed variable, each with the reason (none now).
KNOWN_LEAKS = {}


def technique_params(names):
    params = []
    for name in names:
        marks = []
        if name in KNOWN_LEAKS:
            marks.append(pytest.mark.xfail(reason=KNOWN_LEAKS[name], strict=True))
        params.append(pytest.param(name, marks=marks, id=name))
    return params


def secret_env(**extra):
    """Return a child environment that contains the secret variable."""
    return clean_env(**{SECRET_NAME: SECRET_VALUE}, **extra)


def read_program(tmp_path, name):
    return write_program(tmp_path, READ_TECHNIQUES[name], setup=SETUP)


@pytest.mark.parametrize("name", technique_params(sorted(READ_TECHNIQUES)))
def test_secret_hidden(tmp_path, name):
    program = read_program(tmp_path, name)

    result = run_program(program, "--no-environment", env=secret_env())

    outcome_of(result)  # fails unless the program ran to its end
    assert SECRET_VALUE not in result.stdout, describe(result)
    assert SECRET_VALUE not in result.stderr, describe(result)
    assert result.returncode == 0, describe(result)


@pytest.mark.parametrize("name", sorted(READ_TECHNIQUES))
def test_secret_visible_unguarded(tmp_path, name):
    """The same program without --no-environment prints the secret."""
    program = read_program(tmp_path, name)

    result = run_program(program, env=secret_env())

    assert outcome_of(result)["raised"] is None, describe(result)
    assert SECRET_VALUE in result.stdout, describe(result)


@pytest.mark.parametrize("name", CHILD_TECHNIQUES)
def test_secret_hidden_from_allowed_child(tmp_path, name):
    """A child that --allow-exec lets run under --no-subprocess gets the scrubbed environment."""
    program = read_program(tmp_path, name)

    result = run_program(
        program,
        "--no-environment",
        "--no-subprocess",
        "--allow-exec",
        "/usr/bin/env",
        "--allow-exec",
        "/bin/sh",
        env=secret_env(),
    )

    outcome = outcome_of(result)
    assert outcome["raised"] is None, describe(result)
    assert SECRET_VALUE not in result.stdout, describe(result)


def test_allowed_child_sees_safe_set(tmp_path):
    """The child in the test above ran and saw the variables that survive."""
    program = read_program(tmp_path, "child_env")

    result = run_program(
        program, "--no-environment", "--no-subprocess", "--allow-exec", "/usr/bin/env", env=secret_env()
    )

    assert outcome_of(result)["raised"] is None, describe(result)
    assert f"PATH={CLEAN_PATH}" in result.stdout.splitlines(), describe(result)


def test_posix_environ_getitem_raises_key_error(tmp_path):
    """The earlier tool's bypass posix.environ[b"X"] finds no such key."""
    program = read_program(tmp_path, "posix_environ_getitem")

    result = run_program(program, "--no-environment", env=secret_env())

    outcome = outcome_of(result)
    assert outcome["raised"] == "KeyError", describe(result)
    assert outcome["violation"] is False, outcome


def test_earlier_backing_mapping_absent(tmp_path):
    """The earlier tool's bypass os.environ._backing has nothing behind it."""
    program = write_program(tmp_path, "print(os.environ._backing.get(NAME))", setup=SETUP)

    result = run_program(program, "--no-environment", env=secret_env())

    outcome = outcome_of(result)
    assert outcome["raised"] == "AttributeError", describe(result)
    assert SECRET_VALUE not in result.stdout, describe(result)


def test_no_env_alias_scrubs(tmp_path):
    program = read_program(tmp_path, "os_environ_items")

    result = run_program(program, "--no-env", env=secret_env())

    assert outcome_of(result)["raised"] is None, describe(result)
    assert SECRET_VALUE not in result.stdout, describe(result)


# ----- what survives -----

ENVIRONMENT_PROGRAM = "import json\nprint('ENVIRONMENT ' + json.dumps(dict(os.environ)))"


def environment_of(result):
    """Return the os.environ that ENVIRONMENT_PROGRAM printed."""
    for line in result.stdout.splitlines():
        if line.startswith("ENVIRONMENT "):
            return json.loads(line[len("ENVIRONMENT "):])
    raise AssertionError(f"the program printed no environment\n{describe(result)}")


def safe_values(tmp_path):
    """Return a value for each variable of the safe set, LC_* by two names."""
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    return {
        "PATH": CLEAN_PATH,
        "HOME": str(tmp_path / "home"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "LC_MESSAGES": "C",
        "TERM": "dumb",
        "TZ": "Europe/Berlin",
        "TMPDIR": str(temp),
        "USER": "hermetic-user",
        "LOGNAME": "hermetic-logname",
        "SHELL": "/bin/sh",
        "PWD": str(tmp_path),
    }


@pytest.mark.parametrize(
    "name", ["PATH", "HOME", "LANG", "LC_ALL", "LC_MESSAGES", "TERM", "TZ", "TMPDIR", "USER", "LOGNAME", "SHELL", "PWD"]
)
def test_safe_variable_survives(tmp_path, name):
    values = safe_values(tmp_path)
    program = write_program(tmp_path, ENVIRONMENT_PROGRAM, setup=SETUP)

    result = run_program(program, "--no-environment", env={**values, SECRET_NAME: SECRET_VALUE}, cwd=tmp_path)

    assert environment_of(result).get(name) == values[name], describe(result)


def test_only_safe_set_survives(tmp_path):
    """With this machine's whole environment, nothing outside the safe set is left."""
    program = write_program(tmp_path, ENVIRONMENT_PROGRAM, setup=SETUP)

    result = run_program(program, "--no-environment", env=secret_env())

    names = set(environment_of(result))
    unexpected = {n for n in names - SAFE_NAMES - HERMETIC_NAMES if not n.startswith("LC_")}
    assert unexpected == set(), describe(result)


@pytest.mark.parametrize(
    "options, kept, scrubbed",
    [
        pytest.param(["--allow-env", "KEEP_ME"], ["KEEP_ME"], [SECRET_NAME, "KEEP_ME_TOO"], id="name"),
        pytest.param(
            ["--allow-env", "GITHUB_*"],
            ["GITHUB_SHA", "GITHUB_REF"],
            [SECRET_NAME, "MY_GITHUB_TOKEN", "KEEP_ME"],
            id="glob",
        ),
        pytest.param(
            ["--allow-env", "KEEP_ME", "--allow-env", "GITHUB_*"],
            ["KEEP_ME", "GITHUB_SHA", "GITHUB_REF"],
            [SECRET_NAME, "MY_GITHUB_TOKEN", "KEEP_ME_TOO"],
            id="both",
        ),
    ],
)
def test_allow_env_keeps_more(tmp_path, options, kept, scrubbed):
    extra = {"KEEP_ME": "kept", "KEEP_ME_TOO": "not kept", "GITHUB_SHA": "abc123", "GITHUB_REF": "refs/heads/main",
             "MY_GITHUB_TOKEN": "token-value"}
    program = write_program(tmp_path, ENVIRONMENT_PROGRAM, setup=SETUP)

    result = run_program(program, "--no-environment", *options, env=secret_env(**extra))

    environment = environment_of(result)
    for name in kept:
        assert environment.get(name) == extra[name], f"{name} was scrubbed\n{describe(result)}"
    for name in scrubbed:
        assert name not in environment, f"{name} survived\n{describe(result)}"


def test_profile_environment_allow(tmp_path):
    profile = tmp_path / "ci.yaml"
    profile.write_text('version: 1\nenvironment: {scrub: true, allow: [CI, "GITHUB_*"]}\n')
    program = write_program(tmp_path, ENVIRONMENT_PROGRAM, setup=SETUP)

    result = run_program(program, "--profile", profile, env=secret_env(CI="true", GITHUB_SHA="abc123"))

    environment = environment_of(result)
    assert environment.get("CI") == "true", describe(result)
    assert environment.get("GITHUB_SHA") == "abc123", describe(result)
    assert SECRET_NAME not in environment, describe(result)


def test_program_sets_own_variables(tmp_path):
    """Scrubbing the start-up environment leaves os.environ writable, as in python3."""
    body = """
        os.environ["MADE_BY_PROGRAM"] = "made"
        print("environ", os.environ["MADE_BY_PROGRAM"])
        print("child", subprocess.run(["sh", "-c", 'echo "$MADE_BY_PROGRAM"'], capture_output=True,
                                      text=True).stdout.strip())
    """
    program = write_program(tmp_path, body, setup=SETUP)

    result = run_program(program, "--no-environment", env=secret_env())

    assert outcome_of(result)["raised"] is None, describe(result)
    assert "environ made" in result.stdout, describe(result)
    assert "child made" in result.stdout, describe(result)


def test_block_all_scrubs_environment(tmp_path):
    program = read_program(tmp_path, "os_environ_items")

    result = run_program(program, "--profile", "block-all", env=secret_env())

    assert outcome_of(result)["raised"] is None, describe(result)
    assert SECRET_VALUE not in result.stdout, describe(result)


def test_block_all_shows_scrub():
    result = run_hermetic(["--profile", "block-all", "--show-policy"])

    assert result.returncode == 0, describe(result)
    assert yaml.safe_load(result.stdout)["environment"]["scrub"] is True, describe(result)


# ----- programs that read their settings from the environment -----

# name -> program. Each prints what the environment made it decide.
COMPAT_PROGRAMS = {
    "argparse_print_help": """\
import argparse

parser = argparse.ArgumentParser(
    prog="tool",
    description="A tool whose description is long enough to be wrapped at the width of the terminal.",
)
parser.add_argument("--flag", help="a flag whose help text is long enough to wrap when the terminal is narrow")
parser.print_help()
""",
    "tempfile": """\
import os
import tempfile

print("gettempdir", tempfile.gettempdir())
fd, path = tempfile.mkstemp(prefix="hermetic-")
os.close(fd)
print("mkstemp", os.path.dirname(path), os.path.basename(path).startswith("hermetic-"))
os.unlink(path)
""",
    "locale_getlocale": """\
import locale

print("getlocale", locale.getlocale())
print("setlocale", locale.setlocale(locale.LC_ALL, ""))
print("encoding", locale.getpreferredencoding(False))
""",
    "shutil_get_terminal_size": """\
import shutil

print("size", tuple(shutil.get_terminal_size()))
""",
}


@pytest.mark.parametrize("name", sorted(COMPAT_PROGRAMS))
def test_settings_match_python3(tmp_path, name):
    """The scrub removes COLUMNS and LINES, so the program decides as python3 does without them."""
    program = tmp_path / f"settings_{name}.py"
    program.write_text(COMPAT_PROGRAMS[name])
    safe = {key: value for key, value in safe_values(tmp_path).items() if key != "LC_MESSAGES"}
    plain = run([PYTHON, program], env=safe, cwd=tmp_path)

    result = run_hermetic(
        ["--no-environment", "--", PYTHON, program],
        env={**safe, SECRET_NAME: SECRET_VALUE, "COLUMNS": "40", "LINES": "10"},
        cwd=tmp_path,
    )

    assert plain.returncode == 0, describe(plain)
    assert result.returncode == 0, describe(result)
    assert result.stdout == plain.stdout, describe(result)
    assert result.stderr == plain.stderr, describe(result)


# ----- the Python API -----

API_SETUP = SETUP + '''
import posix

import hermetic


def observe():
    """Return what each route finds of the secret variable, or None."""
    child = subprocess.run(["sh", "-c", 'printf %s "$' + NAME + '"'], capture_output=True, text=True).stdout
    posix_value = posix.environ.get(NAME.encode())
    return {
        "os.environ": os.environ.get(NAME),
        "os.getenv": os.getenv(NAME),
        "posix.environ": posix_value.decode() if posix_value is not None else None,
        "child": child or None,
        "PATH": os.environ.get("PATH"),
    }
'''

API_BODY = """
import json

with hermetic.hermetic_blocker(block_environment=True):
    inside = observe()
after = observe()
try:
    with hermetic.hermetic_blocker(block_environment=True):
        raise ValueError("raised inside the block")
except ValueError:
    pass
after_raise = observe()
print("OBSERVED " + json.dumps({"inside": inside, "after": after, "after_raise": after_raise}))
"""

ROUTES = ["os.environ", "os.getenv", "posix.environ", "child"]


def observed(result):
    for line in result.stdout.splitlines():
        if line.startswith("OBSERVED "):
            return json.loads(line[len("OBSERVED "):])
    raise AssertionError(f"the program printed no observations\n{describe(result)}")


@pytest.fixture(scope="module")
def api_result(tmp_path_factory):
    """One run of the API program under hermetic with no options."""
    directory = tmp_path_factory.mktemp("api")
    program = write_program(directory, API_BODY, setup=API_SETUP)
    result = run_program(program, env=secret_env())
    assert outcome_of(result)["raised"] is None, describe(result)
    return result


@pytest.mark.parametrize("route", ROUTES)
def test_api_block_hides_variable(api_result, route):
    assert observed(api_result)["inside"][route] is None, describe(api_result)


@pytest.mark.parametrize("route", ROUTES)
def test_api_block_restores_variable(api_result, route):
    assert observed(api_result)["after"][route] == SECRET_VALUE, describe(api_result)


@pytest.mark.parametrize("route", ROUTES)
def test_api_block_restores_after_raise(api_result, route):
    assert observed(api_result)["after_raise"][route] == SECRET_VALUE, describe(api_result)


def test_api_block_keeps_safe_set(api_result):
    assert observed(api_result)["inside"]["PATH"] == CLEAN_PATH, describe(api_result)


def test_api_block_keeps_no_copy_in_module(tmp_path):
    """No hermetic attribute contains the hidden value, as the earlier tool's os.environ._backing did."""
    body = """
        with hermetic.hermetic_blocker(block_environment=True):
            for key, value in sorted(vars(hermetic).items()):
                if key != "__builtins__":
                    print(key, repr(value))
    """
    program = write_program(tmp_path, body, setup=API_SETUP)

    result = run_program(program, env=secret_env())

    assert outcome_of(result)["raised"] is None, describe(result)
    assert SECRET_VALUE not in result.stdout, describe(result)
