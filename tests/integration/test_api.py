"""The hermetic module's Python API: hermetic_blocker, with_hermetic, policy().

Most tests run their program twice (the `mode` fixture): under
`hermetic -- /usr/bin/python3`, where the module is built in, and under a
plain /usr/bin/python3 that imports build/python/hermetic*.so. The program
reports what each attempt did on RESULT lines. The test then checks the
side effect as well (what a loopback listener received, whether a marker
file exists), so a block that raises but lets the action happen still fails.
"""

import re
import shutil
import socket

import pytest

from api_support import UnixListener, child_env, module_env, results_of, settled_connections, write_program
from attempts import describe
from conftest import CLEAN_PATH, EXIT_INTERNAL, HERMETIC, HTTP_OK, PYTHON, Listener, hermetic, run

TOUCH = shutil.which("touch", path=CLEAN_PATH)


@pytest.fixture(params=["hermetic", "python3"])
def mode(request):
    """How the program runs: "hermetic" (built-in module) or "python3" (extension module)."""
    return request.param


def run_api(mode, program, *options, env=None):
    """Run `program` in `mode`; `options` are hermetic's and need mode "hermetic"."""
    if mode == "hermetic":
        return run([HERMETIC, *options, "--", PYTHON, program], env=env if env is not None else child_env())
    assert not options, "a plain python3 takes no hermetic options"
    return run([PYTHON, program], env=env if env is not None else module_env())


@pytest.fixture
def listener_127_0_0_2():
    listener = Listener(host="127.0.0.2")
    yield listener
    listener.close()


@pytest.fixture
def unix_listener(tmp_path):
    listener = UnixListener(tmp_path / "listener.sock")
    yield listener
    listener.close()


# ----- the module -----


def test_module_comes_from_build(tmp_path, mode):
    program = write_program(
        tmp_path / "program.py",
        """
        report(builtin="hermetic" in sys.builtin_module_names, file=getattr(hermetic, "__file__", None))
        """,
    )

    result = run_api(mode, program)

    values = results_of(result)
    if mode == "hermetic":
        assert values["builtin"] is True, describe(result)
    else:
        assert values["builtin"] is False, describe(result)
        assert values["file"].startswith(str(module_env()["PYTHONPATH"])), describe(result)


def test_exception_classes(tmp_path, mode):
    program = write_program(
        tmp_path / "program.py",
        """
        from hermetic import HermeticError, PolicyViolation, hermetic_blocker, with_hermetic

        constructed = PolicyViolation("network disabled: connect(192.0.2.1:443)", guard="network", target="192.0.2.1")
        report(
            error_is_runtime_error=issubclass(HermeticError, RuntimeError),
            violation_is_error=issubclass(PolicyViolation, HermeticError),
            message=str(constructed),
            guard=constructed.guard,
            target=constructed.target,
            default_guard=PolicyViolation("x").guard,
            names=[name for name in ("hermetic_blocker", "with_hermetic") if callable(getattr(hermetic, name))],
        )
        """,
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values["error_is_runtime_error"] is True, describe(result)
    assert values["violation_is_error"] is True, describe(result)
    assert values["message"] == "network disabled: connect(192.0.2.1:443)"
    assert values["guard"] == "network"
    assert values["target"] == "192.0.2.1"
    assert values["default_guard"] is None
    assert values["names"] == ["hermetic_blocker", "with_hermetic"]


def test_violation_names_guard_and_target(tmp_path, mode, tcp_listener):
    readonly_marker = tmp_path / "readonly-marker"
    program = write_program(
        tmp_path / "program.py",
        """
        def caught(action, *args):
            try:
                action(*args)
            except hermetic.PolicyViolation as exc:
                return [exc.guard, exc.target]
            return None

        with hermetic.hermetic_blocker(block_network=True, block_subprocess=True, fs_readonly=True):
            report(
                network=caught(connect, PORT),
                subprocess=caught(run_program, TOUCH, MARKER),
                filesystem=caught(write_file, MARKER),
            )
        """,
        PORT=tcp_listener.port,
        TOUCH=TOUCH,
        MARKER=str(readonly_marker),
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values["network"] == ["network", "127.0.0.1"], describe(result)
    assert values["subprocess"] == ["subprocess", TOUCH], describe(result)
    assert values["filesystem"] == ["filesystem", str(readonly_marker)], describe(result)
    assert not readonly_marker.exists()
    assert settled_connections(tcp_listener) == 0


def test_version_matches_cli(tmp_path, mode):
    program = write_program(tmp_path / "program.py", "report(version=hermetic.__version__)")

    result = run_api(mode, program)
    cli = hermetic("--version", env=child_env())

    assert cli.returncode == 0, describe(cli)
    cli_version = re.match(r"hermetic (\S+)", cli.stdout)
    assert cli_version is not None, describe(cli)
    assert results_of(result)["version"] == cli_version.group(1), describe(result)


def test_policy_reflects_entering_and_leaving(tmp_path, mode):
    program = write_program(
        tmp_path / "program.py",
        """
        before = hermetic.policy()
        with hermetic.hermetic_blocker(block_network=True, allow_domains=["127.0.0.2"]):
            inside = hermetic.policy()
        report(before=before, inside=inside, after=hermetic.policy())
        """,
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values["before"]["network"]["block"] is False, describe(result)
    assert values["inside"]["network"]["block"] is True, describe(result)
    assert values["inside"]["network"]["allow"] == ["127.0.0.2"], describe(result)
    assert values["inside"]["subprocess"] == values["before"]["subprocess"]
    assert values["after"] == values["before"], describe(result)


# ----- the forms: with, decorator, async with, with_hermetic -----


def test_blocker_as_decorator(tmp_path, mode, tcp_listener):
    program = write_program(
        tmp_path / "program.py",
        """
        @hermetic.hermetic_blocker(block_network=True)
        def attempt(label):
            return label, outcome(connect, PORT)

        report(first=attempt("first"), second=attempt("second"), name=attempt.__name__,
               after=outcome(connect, PORT))
        """,
        PORT=tcp_listener.port,
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values["first"] == ["first", "blocked"], describe(result)
    assert values["second"] == ["second", "blocked"], describe(result)
    assert values["name"] == "attempt"
    assert values["after"] == "ok", describe(result)
    assert settled_connections(tcp_listener) == 1


def test_blocker_instance_reused(tmp_path, mode, tcp_listener):
    """One blocker object entered twice, nested, then again after it was left."""
    program = write_program(
        tmp_path / "program.py",
        """
        blocker = hermetic.hermetic_blocker(block_network=True)
        with blocker:
            with blocker:
                nested = outcome(connect, PORT)
            outer = outcome(connect, PORT)
        after = outcome(connect, PORT)
        with blocker:
            again = outcome(connect, PORT)
        report(nested=nested, outer=outer, after=after, again=again, last=outcome(connect, PORT))
        """,
        PORT=tcp_listener.port,
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values["nested"] == "blocked", describe(result)
    assert values["outer"] == "blocked", describe(result)
    assert values["after"] == "ok", describe(result)
    assert values["again"] == "blocked", describe(result)
    assert values["last"] == "ok", describe(result)
    assert settled_connections(tcp_listener) == 2


def test_with_hermetic_plain_function(tmp_path, mode, tcp_listener):
    program = write_program(
        tmp_path / "program.py",
        """
        @hermetic.with_hermetic(block_network=True)
        def attempt(port, *, host):
            return outcome(connect, port, host)

        @hermetic.with_hermetic(block_network=True)
        def fail():
            raise KeyError("from the body")

        during = attempt(PORT, host="127.0.0.1")
        try:
            fail()
        except KeyError as exc:
            raised = str(exc)
        report(during=during, raised=raised, after=outcome(connect, PORT), wrapped=attempt.__wrapped__.__name__)
        """,
        PORT=tcp_listener.port,
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values["during"] == "blocked", describe(result)
    assert values["raised"] == "'from the body'", describe(result)
    assert values["after"] == "ok", describe(result)
    assert values["wrapped"] == "attempt"
    assert settled_connections(tcp_listener) == 1


def test_with_hermetic_async_function(tmp_path, mode, tcp_listener):
    program = write_program(
        tmp_path / "program.py",
        """
        import asyncio
        import inspect

        @hermetic.with_hermetic(block_network=True)
        async def attempt():
            await asyncio.sleep(0)
            return outcome(connect, PORT)

        report(
            coroutine_function=inspect.iscoroutinefunction(attempt),
            during=asyncio.run(attempt()),
            after=outcome(connect, PORT),
        )
        """,
        PORT=tcp_listener.port,
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values["coroutine_function"] is True, describe(result)
    assert values["during"] == "blocked", describe(result)
    assert values["after"] == "ok", describe(result)
    assert settled_connections(tcp_listener) == 1


def test_async_with(tmp_path, mode, tcp_listener):
    program = write_program(
        tmp_path / "program.py",
        """
        import asyncio

        async def main():
            async with hermetic.hermetic_blocker(block_network=True) as blocker:
                during = outcome(connect, PORT)
            return during, type(blocker).__name__

        during, entered = asyncio.run(main())
        report(during=during, entered=entered, after=outcome(connect, PORT))
        """,
        PORT=tcp_listener.port,
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values["during"] == "blocked", describe(result)
    assert values["entered"] == "hermetic_blocker"
    assert values["after"] == "ok", describe(result)
    assert settled_connections(tcp_listener) == 1


# ----- the keywords, each checked by its effect -----


@pytest.mark.parametrize("keyword", ["block_network", "no_network"])
def test_network_keywords(tmp_path, mode, tcp_listener, keyword):
    program = write_program(
        tmp_path / "program.py",
        f"""
        with hermetic.hermetic_blocker({keyword}=True):
            during = outcome(connect, PORT)
        report(during=during, after=outcome(connect, PORT))
        """,
        PORT=tcp_listener.port,
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values == {"during": "blocked", "after": "ok"}, describe(result)
    assert settled_connections(tcp_listener) == 1


def test_allow_localhost(tmp_path, mode, tcp_listener):
    program = write_program(
        tmp_path / "program.py",
        """
        with hermetic.hermetic_blocker(block_network=True, allow_localhost=True):
            report(loopback=outcome(connect, PORT), lookup=outcome(lookup, "hermetic-test.invalid"))
        """,
        PORT=tcp_listener.port,
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values["loopback"] == "ok", describe(result)
    assert values["lookup"] == "blocked", describe(result)
    assert settled_connections(tcp_listener) == 1


@pytest.mark.parametrize("value", [["127.0.0.2"], ("127.0.0.2",), "127.0.0.2"], ids=["list", "tuple", "str"])
def test_allow_domains(tmp_path, mode, tcp_listener, listener_127_0_0_2, value):
    program = write_program(
        tmp_path / "program.py",
        f"""
        with hermetic.hermetic_blocker(block_network=True, allow_domains={value!r}):
            report(allowed=outcome(connect, ALLOWED_PORT, "127.0.0.2"), other=outcome(connect, OTHER_PORT))
        """,
        ALLOWED_PORT=listener_127_0_0_2.port,
        OTHER_PORT=tcp_listener.port,
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values["allowed"] == "ok", describe(result)
    assert values["other"] == "blocked", describe(result)
    assert settled_connections(listener_127_0_0_2) == 1
    assert settled_connections(tcp_listener) == 0


def test_allow_unix_sockets(tmp_path, mode, unix_listener):
    program = write_program(
        tmp_path / "program.py",
        """
        with hermetic.hermetic_blocker(block_network=True):
            without = outcome(connect_unix, SOCKET)
        with hermetic.hermetic_blocker(block_network=True, allow_unix_sockets=True):
            allowed = outcome(connect_unix, SOCKET)
        report(without=without, allowed=allowed)
        """,
        SOCKET=unix_listener.path,
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values["without"] == "blocked", describe(result)
    assert values["allowed"] == "ok", describe(result)
    assert settled_connections(unix_listener) == 1


@pytest.mark.parametrize("keyword", ["block_subprocess", "no_subprocess"])
def test_subprocess_keywords(tmp_path, mode, keyword):
    during_marker, after_marker = tmp_path / "during", tmp_path / "after"
    program = write_program(
        tmp_path / "program.py",
        f"""
        with hermetic.hermetic_blocker({keyword}=True):
            during = outcome(run_program, TOUCH, DURING)
        report(during=during, after=outcome(run_program, TOUCH, AFTER))
        """,
        TOUCH=TOUCH,
        DURING=str(during_marker),
        AFTER=str(after_marker),
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values == {"during": "blocked", "after": "ok"}, describe(result)
    assert not during_marker.exists()
    assert after_marker.exists()


@pytest.mark.parametrize("value", ["touch", [TOUCH]], ids=["name", "path"])
def test_allow_exec(tmp_path, mode, value):
    allowed_marker, other_marker = tmp_path / "allowed", tmp_path / "other"
    program = write_program(
        tmp_path / "program.py",
        f"""
        import shlex

        with hermetic.hermetic_blocker(block_subprocess=True, allow_exec={value!r}):
            report(
                allowed=outcome(run_program, "touch", ALLOWED),
                other=outcome(os.system, "touch " + shlex.quote(OTHER)),
            )
        """,
        ALLOWED=str(allowed_marker),
        OTHER=str(other_marker),
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values["allowed"] == "ok", describe(result)
    assert values["other"] == "blocked", describe(result)
    assert allowed_marker.exists()
    assert not other_marker.exists()


def test_fs_readonly(tmp_path, mode):
    during_marker, after_marker = tmp_path / "during", tmp_path / "after"
    program = write_program(
        tmp_path / "program.py",
        """
        with hermetic.hermetic_blocker(fs_readonly=True):
            during = outcome(write_file, DURING)
        report(during=during, after=outcome(write_file, AFTER))
        """,
        DURING=str(during_marker),
        AFTER=str(after_marker),
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values == {"during": "blocked", "after": "ok"}, describe(result)
    assert not during_marker.exists()
    assert after_marker.exists()


def make_file(directory, name="data.txt"):
    directory.mkdir(exist_ok=True)
    path = directory / name
    path.write_text("data")
    return path


def program_outside(tmp_path):
    """Return a program path in its own directory: a read root always allows the script's directory."""
    directory = tmp_path / "program"
    directory.mkdir()
    return directory / "program.py"


@pytest.mark.parametrize("form", ["str", "Path"])
def test_fs_root(tmp_path, mode, form):
    inside = make_file(tmp_path / "root")
    outside = make_file(tmp_path / "outside")
    new_file = tmp_path / "root" / "new.txt"
    root = f"pathlib.Path({str(tmp_path / 'root')!r})" if form == "Path" else repr(str(tmp_path / "root"))
    program = write_program(
        program_outside(tmp_path),
        f"""
        import pathlib

        with hermetic.hermetic_blocker(fs_root={root}):
            report(
                inside=outcome(read_file, INSIDE),
                outside=outcome(read_file, OUTSIDE),
                write=outcome(write_file, NEW_FILE),
            )
        report(after=outcome(read_file, OUTSIDE))
        """,
        INSIDE=str(inside),
        OUTSIDE=str(outside),
        NEW_FILE=str(new_file),
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values["inside"] == "ok", describe(result)
    assert values["outside"] == "blocked", describe(result)
    assert values["write"] == "blocked", describe(result)
    assert values["after"] == "ok", describe(result)
    assert not new_file.exists()


def test_allow_read(tmp_path, mode):
    root = make_file(tmp_path / "root").parent
    extra = make_file(tmp_path / "extra")
    other = make_file(tmp_path / "other")
    program = write_program(
        program_outside(tmp_path),
        """
        with hermetic.hermetic_blocker(fs_root=ROOT, allow_read=[EXTRA_DIR]):
            report(extra=outcome(read_file, EXTRA), other=outcome(read_file, OTHER))
        """,
        ROOT=str(root),
        EXTRA_DIR=str(extra.parent),
        EXTRA=str(extra),
        OTHER=str(other),
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values["extra"] == "ok", describe(result)
    assert values["other"] == "blocked", describe(result)


def test_allow_write(tmp_path, mode):
    writable = tmp_path / "writable"
    writable.mkdir()
    allowed_file, other_file = writable / "new.txt", tmp_path / "new.txt"
    program = write_program(
        tmp_path / "program.py",
        """
        with hermetic.hermetic_blocker(fs_readonly=True, allow_write=[WRITABLE]):
            report(allowed=outcome(write_file, ALLOWED), other=outcome(write_file, OTHER))
        """,
        WRITABLE=str(writable),
        ALLOWED=str(allowed_file),
        OTHER=str(other_file),
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values["allowed"] == "ok", describe(result)
    assert values["other"] == "blocked", describe(result)
    assert allowed_file.exists()
    assert not other_file.exists()


# PyYAML's C accelerator, an extension module outside the standard library.
YAML_EXTENSION = "yaml._yaml"

IMPORT_OUTCOME = """
def import_outcome(name):
    try:
        importlib.import_module(name)
    except hermetic.PolicyViolation as exc:
        return "blocked import" if isinstance(exc, ImportError) else "blocked, not an ImportError"
    except ImportError as exc:
        return f"ImportError: {exc}"
    return "ok"
"""


def test_block_native(tmp_path, mode):
    program = write_program(
        tmp_path / "program.py",
        IMPORT_OUTCOME
        + f"""
with hermetic.hermetic_blocker(block_native=True):
    during = import_outcome({YAML_EXTENSION!r})
report(during=during, after=import_outcome({YAML_EXTENSION!r}))
""",
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values == {"during": "blocked import", "after": "ok"}, describe(result)


def test_allow_native(tmp_path, mode):
    program = write_program(
        tmp_path / "program.py",
        IMPORT_OUTCOME
        + f"""
with hermetic.hermetic_blocker(block_native=True, allow_native=["yaml"]):
    report(allowed=import_outcome({YAML_EXTENSION!r}), other=import_outcome("_ctypes"))
""",
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values["allowed"] == "ok", describe(result)
    assert values["other"] == "blocked import", describe(result)


@pytest.mark.parametrize("trace", [True, False])
def test_trace_prints_when_blocked(tmp_path, mode, tcp_listener, trace):
    """With trace=True the line comes when the action is blocked, else when the program ends."""
    program = write_program(
        tmp_path / "program.py",
        f"""
        with hermetic.hermetic_blocker(block_network=True, trace={trace}):
            report(during=outcome(connect, PORT))
            print("after the attempt", file=sys.stderr, flush=True)
        """,
        PORT=tcp_listener.port,
    )

    result = run_api(mode, program)

    assert results_of(result)["during"] == "blocked", describe(result)
    lines = result.stderr.splitlines()
    blocked = f"hermetic: blocked action: network disabled: connect(127.0.0.1:{tcp_listener.port})"
    assert blocked in lines, describe(result)
    assert "after the attempt" in lines, describe(result)
    assert (lines.index(blocked) < lines.index("after the attempt")) is trace, describe(result)
    assert lines.count(blocked) == 1, describe(result)
    assert settled_connections(tcp_listener) == 0


@pytest.mark.parametrize("profile", ["exec-deny", ["exec-deny", "fs-readonly"]], ids=["name", "list"])
def test_profile_keyword(tmp_path, mode, tcp_listener, profile):
    run_marker, write_marker = tmp_path / "run-marker", tmp_path / "write-marker"
    program = write_program(
        tmp_path / "program.py",
        f"""
        with hermetic.hermetic_blocker(profile={profile!r}):
            report(
                run=outcome(run_program, TOUCH, RUN_MARKER),
                write=outcome(write_file, WRITE_MARKER),
                connect=outcome(connect, PORT),
            )
        """,
        TOUCH=TOUCH,
        RUN_MARKER=str(run_marker),
        WRITE_MARKER=str(write_marker),
        PORT=tcp_listener.port,
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values["run"] == "blocked", describe(result)
    assert not run_marker.exists()
    assert values["connect"] == "ok", describe(result)
    if isinstance(profile, list):
        assert values["write"] == "blocked", describe(result)
        assert not write_marker.exists()
    else:
        assert values["write"] == "ok", describe(result)
        assert write_marker.exists()


def test_sealed_keeps_policy(tmp_path, mode, tcp_listener):
    program = write_program(
        tmp_path / "program.py",
        """
        with hermetic.hermetic_blocker(block_network=True):
            pass
        unsealed = outcome(connect, PORT)
        with hermetic.hermetic_blocker(block_network=True, sealed=True):
            pass
        sealed = outcome(connect, PORT)
        with hermetic.hermetic_blocker():
            pass
        report(unsealed=unsealed, sealed=sealed, later=outcome(connect, PORT),
               policy_blocks=hermetic.policy()["network"]["block"])
        """,
        PORT=tcp_listener.port,
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values["unsealed"] == "ok", describe(result)
    assert values["sealed"] == "blocked", describe(result)
    assert values["later"] == "blocked", describe(result)
    assert values["policy_blocks"] is True, describe(result)
    assert settled_connections(tcp_listener) == 1


# keyword, value, the guard it needs, the hermetic option that needs the same guard.
# Keywords of the guards beyond network, subprocess, filesystem and native
# code: each with a statement that the block refuses and that works again
# after the block.
GUARD_KEYWORD_EFFECTS = [
    ("deny_imports", ["xml.dom"], "import xml.dom.minidom"),
    ("block_environment", True, "assert os.environ['HERMETIC_TEST_SECRET'] == 'value'"),
    ("no_environment", True, "assert os.environ['HERMETIC_TEST_SECRET'] == 'value'"),
    ("no_env", True, "assert os.environ['HERMETIC_TEST_SECRET'] == 'value'"),
    ("block_code_exec", True, "eval('1 + 1')"),
    ("no_code_exec", True, "eval('1 + 1')"),
    ("block_interpreter_mutation", True, "sys.path.append('/nonexistent-hermetic-test'); sys.path.pop()"),
    ("no_interpreter_mutation", True, "sys.path.append('/nonexistent-hermetic-test'); sys.path.pop()"),
]


@pytest.mark.parametrize(
    "keyword, value, statement", GUARD_KEYWORD_EFFECTS, ids=[case[0] for case in GUARD_KEYWORD_EFFECTS]
)
def test_guard_keyword_blocks_inside_only(tmp_path, mode, keyword, value, statement):
    """The statement fails inside the block and works before and after it."""
    program = write_program(
        tmp_path / "program.py",
        f"""
        import os, sys

        def attempt():
            try:
                exec(compile({statement!r}, "<attempt>", "exec"), {{"os": os, "sys": sys}})
            except Exception as exc:
                return type(exc).__name__
            return "ok"

        before = attempt()
        with hermetic.hermetic_blocker({keyword}={value!r}):
            during = attempt()
        report(before=before, during=during, after=attempt())
        """,
    )

    env = child_env() if mode == "hermetic" else module_env()
    env["HERMETIC_TEST_SECRET"] = "value"
    result = run_api(mode, program, env=env)

    values = results_of(result)
    assert values["before"] == "ok", describe(result)
    assert values["during"] != "ok", describe(result)
    assert values["after"] == "ok", describe(result)


@pytest.mark.parametrize("function", ["hermetic_blocker", "with_hermetic"])
def test_unknown_keyword_raises_type_error(tmp_path, mode, function):
    program = write_program(
        tmp_path / "program.py",
        f"""
        before = hermetic.policy()
        try:
            hermetic.{function}(block_network=True, blok_subprocess=True)
        except TypeError as exc:
            report(raised=str(exc))
        else:
            report(raised=None)
        report(unchanged=hermetic.policy() == before)
        """,
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values["raised"] is not None, describe(result)
    assert "blok_subprocess" in values["raised"], describe(result)
    assert values["unchanged"] is True, describe(result)


INVALID_VALUES = [
    ("allow_domains", ["exa mple"], "exa mple"),
    ("fs_root", "/nonexistent/hermetic-test-root", "/nonexistent/hermetic-test-root"),
    ("allow_write", ["/nonexistent/hermetic-test/out"], "/nonexistent/hermetic-test"),
    ("allow_exec", ["no-such-program-hermetic-test"], "no-such-program-hermetic-test"),
    ("allow_native", ["not a module"], "not a module"),
    ("profile", "no-such-profile-hermetic-test", "no-such-profile-hermetic-test"),
]


@pytest.mark.parametrize("keyword, value, shown", INVALID_VALUES, ids=[case[0] for case in INVALID_VALUES])
def test_invalid_value_raises_value_error(tmp_path, mode, keyword, value, shown):
    program = write_program(
        tmp_path / "program.py",
        f"""
        try:
            hermetic.hermetic_blocker({keyword}={value!r})
        except ValueError as exc:
            report(raised=str(exc))
        else:
            report(raised=None)
        """,
    )

    result = run_api(mode, program)

    raised = results_of(result)["raised"]
    assert raised is not None, describe(result)
    assert keyword in raised, describe(result)
    assert shown in raised, describe(result)


def test_positional_arguments_raise_type_error(tmp_path, mode):
    program = write_program(
        tmp_path / "program.py",
        """
        def type_error(call):
            try:
                call()
            except TypeError as exc:
                return str(exc)
            return None

        def undecorated():
            pass

        report(
            blocker=type_error(lambda: hermetic.hermetic_blocker({"block_network": True})),
            with_hermetic=type_error(lambda: hermetic.with_hermetic("block_network")),
            bare_decorator=type_error(lambda: hermetic.with_hermetic(undecorated)),
        )
        """,
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values["blocker"] is not None, describe(result)
    assert values["with_hermetic"] is not None, describe(result)
    assert values["bare_decorator"] is not None, describe(result)


# ----- semantics -----


def test_block_applies_to_other_threads(tmp_path, mode, tcp_listener):
    program = write_program(
        tmp_path / "program.py",
        """
        import threading

        results = {}
        tried, left = threading.Event(), threading.Event()

        def worker():
            results["during"] = outcome(connect, PORT)
            tried.set()
            left.wait(30)
            results["after"] = outcome(connect, PORT)

        with hermetic.hermetic_blocker(block_network=True):
            thread = threading.Thread(target=worker)
            thread.start()
            tried.wait(30)
        left.set()
        thread.join(30)
        report(**results)
        """,
        PORT=tcp_listener.port,
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values == {"during": "blocked", "after": "ok"}, describe(result)
    assert settled_connections(tcp_listener) == 1


def test_nested_blocks_combine(tmp_path, mode, tcp_listener):
    inner_marker, outer_marker = tmp_path / "inner", tmp_path / "outer"
    program = write_program(
        tmp_path / "program.py",
        """
        with hermetic.hermetic_blocker(block_network=True):
            with hermetic.hermetic_blocker(block_subprocess=True):
                inner_policy = hermetic.policy()
                report(inner=[outcome(connect, PORT), outcome(run_program, TOUCH, INNER)])
            report(outer=[outcome(connect, PORT), outcome(run_program, TOUCH, OUTER)])
        report(
            after=outcome(connect, PORT),
            inner_blocks=[inner_policy["network"]["block"], inner_policy["subprocess"]["block"]],
        )
        """,
        PORT=tcp_listener.port,
        TOUCH=TOUCH,
        INNER=str(inner_marker),
        OUTER=str(outer_marker),
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values["inner"] == ["blocked", "blocked"], describe(result)
    assert values["outer"] == ["blocked", "ok"], describe(result)
    assert values["after"] == "ok", describe(result)
    assert values["inner_blocks"] == [True, True], describe(result)
    assert not inner_marker.exists()
    assert outer_marker.exists()
    assert settled_connections(tcp_listener) == 1


@pytest.mark.parametrize("where", ["cli", "outer-block"])
def test_port_block_inside_localhost_policy(tmp_path, mode, where):
    """A block that allows one loopback port, inside a policy that allows loopback, keeps that port."""
    if where == "cli" and mode != "hermetic":
        pytest.skip("hermetic's options need the hermetic executable")
    allowed, other = Listener(), Listener()
    program = write_program(
        tmp_path / "program.py",
        """
        import contextlib
        outer = hermetic.hermetic_blocker(block_network=True, allow_localhost=True) if OUTER else contextlib.nullcontext()
        with outer:
            with hermetic.hermetic_blocker(block_network=True, allow_domains=[f"127.0.0.1:{ALLOWED}"]):
                report(allowed=outcome(connect, ALLOWED), other=outcome(connect, OTHER),
                       rules=hermetic.policy()["network"]["allow"])
        """,
        ALLOWED=allowed.port,
        OTHER=other.port,
        OUTER=where == "outer-block",
    )

    try:
        result = run_api(mode, program, *(["--profile", "test"] if where == "cli" else []))
        values = results_of(result)
        assert values["allowed"] == "ok", describe(result)
        assert values["other"] == "blocked", describe(result)
        assert values["rules"] == [f"127.0.0.1:{allowed.port}"], describe(result)
        assert settled_connections(allowed) == 1
        assert settled_connections(other) == 0
    finally:
        allowed.close()
        other.close()


def test_leaving_on_exception_restores_policy(tmp_path, mode, tcp_listener):
    marker = tmp_path / "marker"
    program = write_program(
        tmp_path / "program.py",
        """
        before = hermetic.policy()
        with hermetic.hermetic_blocker(block_network=True, allow_localhost=True):
            outer = hermetic.policy()
            try:
                with hermetic.hermetic_blocker(block_subprocess=True, fs_readonly=True):
                    raise LookupError("raised in the body")
            except LookupError as exc:
                caught = str(exc)
            report(
                caught=caught,
                restored=hermetic.policy() == outer,
                run=outcome(run_program, TOUCH, MARKER),
                loopback=outcome(connect, PORT),
            )
        report(back_to_start=hermetic.policy() == before)
        """,
        PORT=tcp_listener.port,
        TOUCH=TOUCH,
        MARKER=str(marker),
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values["caught"] == "raised in the body", describe(result)
    assert values["restored"] is True, describe(result)
    assert values["run"] == "ok", describe(result)
    assert values["loopback"] == "ok", describe(result)
    assert values["back_to_start"] is True, describe(result)
    assert marker.exists()
    assert settled_connections(tcp_listener) == 1


def test_exception_escapes_block(tmp_path, mode, tcp_listener):
    """An exception from the body ends the program as usual, with the block left."""
    program = write_program(
        tmp_path / "program.py",
        """
        import atexit

        atexit.register(lambda: report(at_exit=outcome(connect, PORT)))
        with hermetic.hermetic_blocker(block_network=True):
            raise SystemExit(5)
        """,
        PORT=tcp_listener.port,
    )

    result = run_api(mode, program)

    assert result.returncode == 5, describe(result)
    assert results_of(result)["at_exit"] == "ok", describe(result)
    assert settled_connections(tcp_listener) == 1


def test_blocks_left_out_of_order(tmp_path, mode, tcp_listener):
    """Two generators hold blocks and are closed in the order they were entered."""
    markers = [tmp_path / f"marker-{n}" for n in range(3)]
    program = write_program(
        tmp_path / "program.py",
        """
        start = hermetic.policy()

        def hold(**options):
            with hermetic.hermetic_blocker(**options):
                yield

        network = hold(block_network=True)
        processes = hold(block_subprocess=True)
        next(network)
        next(processes)
        report(both=[outcome(connect, PORT), outcome(run_program, TOUCH, MARKERS[0])])
        network.close()
        report(processes_only=[outcome(connect, PORT), outcome(run_program, TOUCH, MARKERS[1])],
               policy=[hermetic.policy()["network"]["block"], hermetic.policy()["subprocess"]["block"]])
        processes.close()
        report(neither=[outcome(connect, PORT), outcome(run_program, TOUCH, MARKERS[2])],
               back_to_start=hermetic.policy() == start)
        """,
        PORT=tcp_listener.port,
        TOUCH=TOUCH,
        MARKERS=[str(marker) for marker in markers],
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values["both"] == ["blocked", "blocked"], describe(result)
    assert values["processes_only"] == ["ok", "blocked"], describe(result)
    assert values["policy"] == [False, True], describe(result)
    assert values["neither"] == ["ok", "ok"], describe(result)
    assert values["back_to_start"] is True, describe(result)
    assert [marker.exists() for marker in markers] == [False, False, True]
    assert settled_connections(tcp_listener) == 2


def test_block_in_one_task_applies_to_others(tmp_path, mode, tcp_listener):
    program = write_program(
        tmp_path / "program.py",
        """
        import asyncio

        async def main():
            entered, checked = asyncio.Event(), asyncio.Event()

            async def holder():
                async with hermetic.hermetic_blocker(block_network=True):
                    entered.set()
                    await checked.wait()

            async def other():
                await entered.wait()
                during = outcome(connect, PORT)
                checked.set()
                return during

            holding = asyncio.create_task(holder())
            during = await asyncio.create_task(other())
            await holding
            return during

        during = asyncio.run(main())
        report(during=during, after=outcome(connect, PORT))
        """,
        PORT=tcp_listener.port,
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values == {"during": "blocked", "after": "ok"}, describe(result)
    assert settled_connections(tcp_listener) == 1


def test_generator_resumed_after_block(tmp_path, mode, tcp_listener):
    program = write_program(
        tmp_path / "program.py",
        """
        def attempts():
            while True:
                yield outcome(connect, PORT)

        generator = attempts()
        with hermetic.hermetic_blocker(block_network=True):
            first = next(generator)
        report(first=first, resumed=next(generator))
        """,
        PORT=tcp_listener.port,
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values == {"first": "blocked", "resumed": "ok"}, describe(result)
    assert settled_connections(tcp_listener) == 1


# ----- the policy hermetic started with -----


def test_cli_policy_survives_blocks(tmp_path, tcp_listener):
    program = write_program(
        tmp_path / "program.py",
        """
        with hermetic.hermetic_blocker():
            empty = outcome(connect, PORT)
        after_empty = outcome(connect, PORT)
        with hermetic.hermetic_blocker(block_network=True):
            with hermetic.hermetic_blocker(block_subprocess=True):
                pass
        report(empty=empty, after_empty=after_empty, after_nested=outcome(connect, PORT),
               policy_blocks=hermetic.policy()["network"]["block"])
        """,
        PORT=tcp_listener.port,
    )

    result = run_api("hermetic", program, "--no-network")

    values = results_of(result)
    assert values["empty"] == "blocked", describe(result)
    assert values["after_empty"] == "blocked", describe(result)
    assert values["after_nested"] == "blocked", describe(result)
    assert values["policy_blocks"] is True, describe(result)
    assert settled_connections(tcp_listener) == 0


WEAKENING_OPTIONS = ["allow_localhost=True", "allow_domains=['127.0.0.1']", "profile='test'"]


@pytest.mark.parametrize("options", WEAKENING_OPTIONS)
def test_blocker_cannot_weaken_cli_policy(tmp_path, tcp_listener, options):
    program = write_program(
        tmp_path / "program.py",
        f"""
        with hermetic.hermetic_blocker({options}):
            report(during=outcome(connect, PORT))
        """,
        PORT=tcp_listener.port,
    )

    result = run_api("hermetic", program, "--no-network")

    assert results_of(result)["during"] == "blocked", describe(result)
    assert settled_connections(tcp_listener) == 0


# ----- the two examples from the earlier hermetic's README -----


@pytest.fixture
def http_listeners():
    """HTTP listeners on 127.0.0.1 and 127.0.0.2, on the same port."""
    first = Listener(reply=HTTP_OK)
    second = Listener(reply=HTTP_OK, host="127.0.0.2", port=first.port)
    yield first, second
    first.close()
    second.close()


def test_readme_requests_decorator(tmp_path, mode, http_listeners):
    """/etc/hosts maps localhost to 127.0.0.1; 127.0.0.2 is not an allowed host."""
    allowed, other = http_listeners
    program = write_program(
        tmp_path / "program.py",
        """
        import requests

        @hermetic.with_hermetic(block_network=True, allow_domains=["localhost"])
        def fetch(url):
            return requests.get(url, timeout=10).text

        report(localhost=fetch(f"http://localhost:{PORT}/data"))
        try:
            fetch(f"http://127.0.0.2:{PORT}/data")
        except requests.exceptions.ConnectionError as exc:
            report(other=str(exc))
        else:
            report(other="ok")
        """,
        PORT=allowed.port,
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values["localhost"] == "ok", describe(result)
    assert f"network disabled: connect(127.0.0.2:{allowed.port})" in values["other"], describe(result)
    assert b"GET /data HTTP/1.1" in allowed.data()
    assert settled_connections(other) == 0
    assert other.data() == b""


def test_readme_os_system_context_manager(tmp_path, mode):
    marker, control = tmp_path / "marker", tmp_path / "control"
    program = write_program(
        tmp_path / "program.py",
        """
        import shlex

        with hermetic.hermetic_blocker(block_subprocess=True):
            during = outcome(os.system, "touch " + shlex.quote(MARKER))
        report(during=during, after=os.system("touch " + shlex.quote(CONTROL)))
        """,
        MARKER=str(marker),
        CONTROL=str(control),
    )

    result = run_api(mode, program)

    values = results_of(result)
    assert values == {"during": "blocked", "after": 0}, describe(result)
    assert not marker.exists()
    assert control.exists()


# ----- a plain python3 -----


def test_plain_python_not_watched_before_import(tmp_path, tcp_listener):
    """Imported into a plain python3, hermetic checks nothing that ran before the import."""
    program = tmp_path / "program.py"
    program.write_text(
        f"""\
import json
import socket

PORT = {tcp_listener.port}

with socket.create_connection(("127.0.0.1", PORT), timeout=10):
    pass

import hermetic

with hermetic.hermetic_blocker(block_network=True):
    try:
        socket.create_connection(("127.0.0.1", PORT), timeout=10).close()
    except hermetic.PolicyViolation:
        during = "blocked"
    else:
        during = "ok"
print("RESULT " + json.dumps({{"during": during}}), flush=True)
"""
    )

    result = run_api("python3", program)

    assert results_of(result) == {"during": "blocked"}, describe(result)
    assert settled_connections(tcp_listener) == 1
    reported = [line for line in result.stderr.splitlines() if "blocked action" in line]
    assert reported == [f"hermetic: blocked action: network disabled: connect(127.0.0.1:{tcp_listener.port})"], (
        describe(result)
    )
