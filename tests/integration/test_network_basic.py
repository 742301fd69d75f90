"""The network guard on real sockets: a first smoke test of the harness."""

from conftest import EXIT_BLOCKED, blocked_lines, python_code


def test_connect_blocked_reaches_nothing(tcp_listener):
    code = f"import socket; socket.create_connection(('127.0.0.1', {tcp_listener.port}))"
    result = python_code(code, "--no-network")
    assert result.returncode == EXIT_BLOCKED
    assert blocked_lines(result.stderr) == [
        f"hermetic: blocked action: network disabled: connect(127.0.0.1:{tcp_listener.port})"
    ]
    assert tcp_listener.connections == 0


def test_connect_allowed_with_localhost(tcp_listener):
    code = f"import socket; s = socket.create_connection(('127.0.0.1', {tcp_listener.port})); s.sendall(b'hi')"
    result = python_code(code, "--no-network", "--allow-localhost")
    assert result.returncode == 0, result.stderr
    assert tcp_listener.data() == b"hi"
