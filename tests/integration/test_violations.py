"""How hermetic reports blocked actions: messages, exit statuses, --trace,
--on-violation=exit, --log-json and the PolicyViolation exception.

Most tests block a connect to 127.0.0.1 under --no-network. Where a
listener runs, the test also checks that nothing reached it.
"""

import json
import textwrap

import pytest

from conftest import EXIT_BLOCKED, EXIT_USAGE, PYTHON, blocked_lines, clean_env, hermetic


def program(code, *options, **kwargs):
    """Run the Python `code` (dedented) under hermetic with `options`."""
    return hermetic(*options, "--", PYTHON, "-c", textwrap.dedent(code), **kwargs)


def connect_code(port):
    return f"import socket; socket.create_connection(('127.0.0.1', {port}))"


def line_for(port):
    return f"hermetic: blocked action: network disabled: connect(127.0.0.1:{port})"


def test_uncaught_violation_prints_one_line(tcp_listener):
    result = program(connect_code(tcp_listener.port), "--no-network")

    assert result.returncode == EXIT_BLOCKED
    assert result.stderr == line_for(tcp_listener.port) + "\n"
    assert result.stdout == ""
    assert tcp_listener.connections == 0


def test_uncaught_violation_in_function_hides_traceback(tcp_listener):
    code = f"""
        import socket

        def fetch():
            print("start", flush=True)
            return socket.create_connection(("127.0.0.1", {tcp_listener.port}))

        fetch()
        print("not reached")
    """
    result = program(code, "--no-network")

    assert result.returncode == EXIT_BLOCKED
    assert result.stdout == "start\n"
    assert result.stderr == line_for(tcp_listener.port) + "\n"


def test_trace_shows_traceback_after_line(tcp_listener):
    result = program(connect_code(tcp_listener.port), "--no-network", "--trace")
    lines = result.stderr.splitlines()

    assert result.returncode == EXIT_BLOCKED
    assert lines[0] == line_for(tcp_listener.port), result.stderr
    assert lines[1] == "Traceback (most recent call last):", result.stderr
    assert lines[-1] == (
        f"hermetic.PolicyViolation: network disabled: connect(127.0.0.1:{tcp_listener.port})"
    ), result.stderr
    assert blocked_lines(result.stderr) == [line_for(tcp_listener.port)]
    assert tcp_listener.connections == 0


def test_trace_prints_caught_violation_once(tcp_listener):
    code = f"""
        import sys
        try:
            {connect_code(tcp_listener.port)}
        except Exception:
            pass
        print("after", file=sys.stderr)
    """
    result = program(code, "--no-network", "--trace")

    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [line_for(tcp_listener.port), "after"]


@pytest.mark.parametrize("status", [0, 5])
def test_caught_violation_reported_at_end(status, tcp_listener):
    code = f"""
        import sys
        try:
            {connect_code(tcp_listener.port)}
        except Exception:
            pass
        print("program went on", file=sys.stderr)
        sys.exit({status})
    """
    result = program(code, "--no-network")
    lines = result.stderr.splitlines()

    assert result.returncode == status, result.stderr
    assert lines == ["program went on", line_for(tcp_listener.port)]
    assert tcp_listener.connections == 0


def test_repeated_violation_reported_once(tcp_listener):
    code = f"""
        for _ in range(5):
            try:
                {connect_code(tcp_listener.port)}
            except Exception:
                pass
    """
    result = program(code, "--no-network")

    assert result.returncode == 0, result.stderr
    assert blocked_lines(result.stderr) == [line_for(tcp_listener.port)]


def test_twelve_violations_report_ten_lines():
    ports = list(range(20001, 20013))
    code = f"""
        import socket
        for port in {ports} + [20001, 20002]:
            try:
                socket.socket().connect(("127.0.0.1", port))
            except Exception:
                pass
    """
    result = program(code, "--no-network")
    lines = result.stderr.splitlines()

    assert result.returncode == 0, result.stderr
    assert lines[:10] == [line_for(port) for port in ports[:10]]
    assert lines[10:] == ["hermetic: 2 more blocked actions (--trace or --log-json shows each one)"]


def test_eleven_violations_report_one_more():
    ports = list(range(20001, 20012))
    code = f"""
        import socket
        for port in {ports}:
            try:
                socket.socket().connect(("127.0.0.1", port))
            except Exception:
                pass
    """
    result = program(code, "--no-network")

    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == "hermetic: 1 more blocked action (--trace or --log-json shows each one)"
    assert len(blocked_lines(result.stderr)) == 10


def caught_connects(ports):
    """Code that connects to each port on 127.0.0.1 and ignores the errors."""
    return f"""
        import socket
        for port in {list(ports)}:
            try:
                socket.socket().connect(("127.0.0.1", port))
            except Exception:
                pass
        print("done")
    """


def test_trace_prints_every_violation_without_summary():
    ports = range(20001, 20013)
    result = program(caught_connects(ports), "--no-network", "--trace")

    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [line_for(port) for port in ports]


@pytest.mark.parametrize(
    "python_options, variables",
    [(["-X", "dev"], {}), ([], {"PYTHONMALLOC": "debug"}), (["-X", "dev"], {"PYTHONMALLOC": "malloc_debug"})],
    ids=["dev_mode", "pymalloc_debug", "malloc_debug"],
)
def test_report_survives_debug_allocators(python_options, variables):
    """The report is built at exit, after Python's allocator checks are in force."""
    ports = range(20001, 20013)
    code = textwrap.dedent(caught_connects(ports))
    result = hermetic("--no-network", "--", PYTHON, *python_options, "-W", "ignore", "-c", code, env=clean_env(**variables))

    assert result.returncode == 0, result.stderr
    assert result.stdout == "done\n"
    assert blocked_lines(result.stderr) == [line_for(port) for port in list(ports)[:10]]
    assert result.stderr.splitlines()[-1] == "hermetic: 2 more blocked actions (--trace or --log-json shows each one)"


def test_uncaught_violation_after_caught_ones(tcp_listener):
    code = f"""
        import socket
        try:
            socket.socket().connect(("127.0.0.1", 20001))
        except Exception:
            pass
        {connect_code(tcp_listener.port)}
    """
    result = program(code, "--no-network")

    assert result.returncode == EXIT_BLOCKED
    assert sorted(blocked_lines(result.stderr)) == sorted([line_for(20001), line_for(tcp_listener.port)])
    assert "Traceback" not in result.stderr


def test_wrapped_violation_keeps_program_traceback(tcp_listener):
    """A violation re-raised as another exception is the program's own error."""
    code = f"""
        try:
            {connect_code(tcp_listener.port)}
        except Exception as e:
            raise ValueError("could not connect") from e
    """
    result = program(code, "--no-network")

    assert result.returncode == 1, result.stderr
    assert "ValueError: could not connect" in result.stderr
    assert result.stderr.splitlines()[-1] == line_for(tcp_listener.port)


def test_violation_in_thread_reported_at_end(tcp_listener):
    code = f"""
        import socket, threading

        def fetch():
            socket.create_connection(("127.0.0.1", {tcp_listener.port}))

        thread = threading.Thread(target=fetch)
        thread.start()
        thread.join()
        print("main done")
    """
    result = program(code, "--no-network")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "main done\n"
    assert result.stderr.splitlines()[-1] == line_for(tcp_listener.port)
    assert tcp_listener.connections == 0


# ----- --on-violation=exit -----


@pytest.mark.parametrize("spelling", [["--on-violation=exit"], ["--on-violation", "exit"]], ids=["equals", "separate"])
def test_on_violation_exit_ignores_except(spelling, tcp_listener, tmp_path):
    marker = tmp_path / "went-on"
    code = f"""
        import atexit
        atexit.register(lambda: open({str(tmp_path / "atexit-ran")!r}, "w").close())
        print("before")
        try:
            {connect_code(tcp_listener.port)}
        except BaseException:
            pass
        finally:
            open({str(marker)!r}, "w").close()
        print("after")
    """
    result = program(code, "--no-network", *spelling)

    assert result.returncode == EXIT_BLOCKED, result.stderr
    assert result.stdout == "before\n"
    assert result.stderr == line_for(tcp_listener.port) + "\n"
    assert not marker.exists()
    assert not (tmp_path / "atexit-ran").exists()
    assert tcp_listener.connections == 0


def test_on_violation_exit_with_trace_and_log(tcp_listener, tmp_path):
    log = tmp_path / "audit.jsonl"
    code = f"""
        try:
            {connect_code(tcp_listener.port)}
        except Exception:
            pass
    """
    result = program(code, "--no-network", "--on-violation=exit", "--trace", "--log-json", log)
    records = read_records(log)

    assert result.returncode == EXIT_BLOCKED
    assert result.stderr == line_for(tcp_listener.port) + "\n"
    assert len(records) == 1
    assert records[0]["message"] == f"network disabled: connect(127.0.0.1:{tcp_listener.port})"


def test_on_violation_raise_is_default(tcp_listener, tmp_path):
    marker = tmp_path / "went-on"
    code = f"""
        try:
            {connect_code(tcp_listener.port)}
        except Exception:
            open({str(marker)!r}, "w").close()
    """
    result = program(code, "--no-network", "--on-violation=raise")

    assert result.returncode == 0, result.stderr
    assert marker.exists()


# ----- --log-json -----


def read_records(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_log_json_records_blocked_actions(tmp_path):
    log = tmp_path / "audit.jsonl"
    code = """
        import socket
        for target in [("127.0.0.1", 20001), ("127.0.0.1", 20002)]:
            try:
                socket.socket().connect(target)
            except Exception:
                pass
        try:
            socket.getaddrinfo("blocked.invalid", 80)
        except Exception:
            pass
    """
    result = program(code, "--no-network", "--log-json", log)
    records = read_records(log)

    assert result.returncode == 0, result.stderr
    assert [record["decision"] for record in records] == ["blocked"] * 3
    assert [record["guard"] for record in records] == ["network"] * 3
    assert [record["target"] for record in records] == ["127.0.0.1", "127.0.0.1", "blocked.invalid"]
    assert [record["message"] for record in records] == [
        "network disabled: connect(127.0.0.1:20001)",
        "network disabled: connect(127.0.0.1:20002)",
        "network disabled: DNS(blocked.invalid)",
    ]


def test_log_json_appends(tmp_path):
    log = tmp_path / "audit.jsonl"
    log.write_text('{"earlier": true}\n')

    result = program(connect_code(20001), "--no-network", "--log-json", log)
    records = read_records(log)

    assert result.returncode == EXIT_BLOCKED
    assert records[0] == {"earlier": True}
    assert len(records) == 2
    assert records[1]["message"] == "network disabled: connect(127.0.0.1:20001)"


def test_log_json_with_trace_all_records_allowed(tcp_listener, tmp_path):
    log = tmp_path / "audit.jsonl"
    code = f"""
        import socket
        s = socket.create_connection(("127.0.0.1", {tcp_listener.port}))
        s.sendall(b"payload")
        s.close()
        try:
            socket.getaddrinfo("blocked.invalid", 80)
        except Exception:
            pass
    """
    result = program(code, "--no-network", "--allow-localhost", "--trace=all", "--log-json", log)
    records = read_records(log)
    allowed = [record for record in records if record["decision"] == "allowed"]
    blocked = [record for record in records if record["decision"] == "blocked"]

    assert result.returncode == 0, result.stderr
    assert tcp_listener.data() == b"payload"
    assert {"guard": "network", "target": "127.0.0.1"}.items() <= allowed[0].items(), records
    assert f"connect(127.0.0.1:{tcp_listener.port})" in [record["message"] for record in allowed]
    assert [record["message"] for record in blocked] == ["network disabled: DNS(blocked.invalid)"]
    assert f"hermetic: allowed action: connect(127.0.0.1:{tcp_listener.port})" in result.stderr.splitlines()


def test_log_json_without_trace_all_skips_allowed(tcp_listener, tmp_path):
    log = tmp_path / "audit.jsonl"
    code = f"import socket; socket.create_connection(('127.0.0.1', {tcp_listener.port})).close()"
    result = program(code, "--no-network", "--allow-localhost", "--log-json", log)

    assert result.returncode == 0, result.stderr
    assert tcp_listener.connections == 1
    assert log.read_text() == ""


def test_log_json_unwritable_is_usage_error(tmp_path):
    log = tmp_path / "missing-dir" / "audit.jsonl"
    result = program("print('ran')", "--no-network", "--log-json", log)

    assert result.returncode == EXIT_USAGE
    assert result.stdout == ""
    assert result.stderr.startswith("hermetic: --log-json")


# ----- The exception -----


def test_violation_attributes(tcp_listener):
    code = f"""
        import hermetic, socket
        try:
            socket.create_connection(("127.0.0.1", {tcp_listener.port}))
        except hermetic.PolicyViolation as e:
            print(e.guard)
            print(e.target)
            print(e)
            print(isinstance(e, RuntimeError), isinstance(e, hermetic.HermeticError), isinstance(e, PermissionError))
    """
    result = program(code, "--no-network")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "network",
        "127.0.0.1",
        f"network disabled: connect(127.0.0.1:{tcp_listener.port})",
        "True True True",
    ]


def test_dns_violation_target_is_name():
    code = """
        import hermetic, socket
        try:
            socket.getaddrinfo("blocked.invalid", 443)
        except hermetic.PolicyViolation as e:
            print(e.guard, e.target)
    """
    result = program(code, "--no-network")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "network blocked.invalid\n"


def test_exception_class_hierarchy():
    code = """
        import hermetic
        print(issubclass(hermetic.PolicyViolation, hermetic.HermeticError))
        print(issubclass(hermetic.HermeticError, RuntimeError))
        print(issubclass(hermetic.PolicyViolation, RuntimeError))
        print(hermetic.PolicyViolation.__module__, hermetic.PolicyViolation.__name__)
    """
    result = program(code)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["True", "True", "True", "hermetic PolicyViolation"]


def test_program_built_violation_has_fields():
    code = """
        import hermetic
        e = hermetic.PolicyViolation("custom", guard="network", target="x.example")
        print(e, e.guard, e.target)
    """
    result = program(code)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "custom network x.example\n"


def test_every_message_starts_with_prefix(tcp_listener):
    code = f"""
        try:
            {connect_code(tcp_listener.port)}
        except Exception:
            pass
    """
    result = program(code, "--no-network", "--trace=all")

    assert result.returncode == 0, result.stderr
    assert result.stderr != ""
    for line in result.stderr.splitlines():
        assert line.startswith("hermetic: "), result.stderr
