"""The environment, import, code-execution, interpreter and seal guards.

Each test runs a short program that tries the guarded actions, catches
what hermetic raises and prints one line per action. The test compares
those lines. SECURITY.md cites these tests.
"""

import textwrap

import pytest

from conftest import PYTHON, WRAPPER, clean_env, hermetic


def outcomes(code, *options, env=None):
    result = hermetic(*options, "--", PYTHON, "-c", TRY + textwrap.dedent(code), env=env or clean_env())
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


TRY = """
import hermetic

def attempt(name, action):
    try:
        action()
        print(name, "done")
    except hermetic.PolicyViolation as error:
        # The violation also derives from the exception the action would
        # raise on its own: ImportError for imports, PermissionError for others.
        kind = "ImportError" if isinstance(error, ImportError) else (
            "PermissionError" if isinstance(error, PermissionError) else "plain")
        print(name, "blocked", kind)
"""


def test_environment_scrubbed_before_python_starts():
    code = """
        import os, posix
        print("SECRET_TOKEN" in os.environ, b"SECRET_TOKEN" in posix.environ, "CI_KEPT" in os.environ)
    """
    env = clean_env(SECRET_TOKEN="s3cr3t", CI_KEPT="1")

    assert outcomes(code, "--no-environment", "--allow-env", "CI_*", env=env) == ["False False True"]
    assert outcomes(code, env=env) == ["True True True"]


def test_environment_scrubbed_from_proc_environ():
    """/proc/self/environ shows the environment block the process started
    with, which unsetenv does not change: the scrubbed values must be gone
    from it too."""
    if WRAPPER:
        pytest.skip("under a wrapper such as valgrind, /proc/self/environ is the wrapper's")
    code = """
        with open("/proc/self/environ", "rb") as f:
            block = f.read()
        print(b"s3cr3t-value" in block, b"kept-value" in block)
    """
    env = clean_env(SECRET_TOKEN="s3cr3t-value", CI_KEPT="kept-value")

    assert outcomes(code, "--no-environment", "--allow-env", "CI_*", env=env) == ["False True"]


def test_deny_import_every_route():
    code = """
        import importlib
        attempt("import", lambda: __import__("json"))
        attempt("submodule", lambda: __import__("json.decoder"))
        attempt("importlib", lambda: importlib.import_module("json"))
        try:
            import json
        except ImportError as error:
            print("statement ImportError", isinstance(error, hermetic.PolicyViolation))
        attempt("other module", lambda: __import__("csv"))
    """

    assert outcomes(code, "--deny-import", "json") == [
        "import blocked ImportError",
        "submodule blocked ImportError",
        "importlib blocked ImportError",
        "statement ImportError True",
        "other module done",
    ]


def test_code_exec_blocked_for_program_frames():
    code = """
        import os, pickle
        attempt("eval", lambda: eval("1 + 1"))
        attempt("exec", lambda: exec("x = 1"))
        attempt("compile", lambda: compile("1", "<text>", "eval"))
        attempt("pickle os.system", lambda: pickle.loads(pickle.dumps(os.system)))
        attempt("pickle data", lambda: pickle.loads(pickle.dumps({"a": [1, 2.5, None]})))
    """

    assert outcomes(code, "--no-code-exec") == [
        "eval blocked ImportError",
        "exec blocked ImportError",
        "compile blocked ImportError",
        "pickle os.system blocked plain",
        "pickle data done",
    ]


def test_interpreter_mutation_blocked():
    code = """
        import os, sys
        attempt("sys.path.append", lambda: sys.path.append("/tmp"))
        attempt("sys.meta_path.insert", lambda: sys.meta_path.insert(0, object()))
        attempt("os.chdir", lambda: os.chdir("/"))
    """

    assert outcomes(code, "--no-interpreter-mutation") == [
        "sys.path.append blocked plain",
        "sys.meta_path.insert blocked plain",
        "os.chdir blocked PermissionError",
    ]


def test_seal_blocks_tampering():
    code = """
        import gc, sys
        ran = []
        # CPython drops a hook whose addaudithook event raises a RuntimeError
        # subclass and returns None: the hook must never run.
        sys.addaudithook(lambda event, args: ran.append(event))
        print("new hook ran", bool(ran))
        attempt("gc.get_objects", gc.get_objects)
        attempt("sys.settrace", lambda: sys.settrace(None))
        attempt("sys._current_frames", sys._current_frames)
    """

    assert outcomes(code, "--seal") == [
        "new hook ran False",
        "gc.get_objects blocked plain",
        "sys.settrace blocked plain",
        "sys._current_frames blocked plain",
    ]
