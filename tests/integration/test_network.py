"""The network guard on real sockets, real clients and real listeners.

Every case targets a listener on 127.0.0.1, 127.0.0.2 or ::1 that the test
starts, a socket file it creates, or a name under the reserved .invalid
domain. A blocked case checks on the listener's side that nothing arrived;
an allowed case checks that the payload did.
"""

import json
import os
import socket
import subprocess
import tempfile
import textwrap
import threading

import pytest

from conftest import (
    CLEAN_PATH,
    EXIT_BLOCKED,
    HERMETIC,
    PYTHON,
    Listener,
    blocked_lines,
    clean_env,
    hermetic,
    run,
)

# Exit statuses of a crashed host: SIGSEGV and SIGABRT, as a signal or as a shell reports them.
CRASH_STATUSES = {-11, -6, 139, 134}


@pytest.fixture(scope="session")
def httpie_config(tmp_path_factory):
    """An httpie config directory that turns off its update check.

    httpie 3.2 forks a daemon after each request that fetches
    https://packages.httpie.io/latest.json. hermetic blocks that lookup too,
    but no test should depend on it to keep traffic off the internet.
    """
    path = tmp_path_factory.mktemp("httpie")
    (path / "config.json").write_text(json.dumps({"disable_update_warnings": True}))
    return path


@pytest.fixture
def net_env(httpie_config):
    """The environment for network tests: no proxy variables, httpie's update check off."""
    env = clean_env(HTTPIE_CONFIG_DIR=str(httpie_config))
    for name in list(env):
        if name.lower() in ("http_proxy", "https_proxy", "all_proxy", "ftp_proxy", "no_proxy"):
            del env[name]
    env["no_proxy"] = "*"
    return env


def program(code, *options, env):
    """Run the Python `code` (dedented) under hermetic with `options`."""
    return hermetic(*options, "--", PYTHON, "-c", textwrap.dedent(code), env=env)


def connect_line(host_port):
    return f"hermetic: blocked action: network disabled: connect({host_port})"


def assert_blocked(result, line):
    """Check that the program ended on the uncaught violation `line`."""
    assert result.returncode == EXIT_BLOCKED, result.stderr
    assert line in blocked_lines(result.stderr), result.stderr
    assert "Traceback" not in result.stderr, result.stderr


def assert_nothing_arrived(listener):
    assert listener.connections == 0
    assert listener.data() == b""


# ----- TCP and UDP sockets -----


def test_create_connection_allowed_with_localhost(tcp_listener, net_env):
    code = f"""
        import socket
        s = socket.create_connection(("127.0.0.1", {tcp_listener.port}))
        s.sendall(b"payload")
        s.close()
    """
    result = program(code, "--no-network", "--allow-localhost", env=net_env)

    assert result.returncode == 0, result.stderr
    assert tcp_listener.data() == b"payload"
    assert blocked_lines(result.stderr) == []


def test_connect_ex_blocked(tcp_listener, net_env):
    code = f"""
        import socket
        s = socket.socket()
        print(s.connect_ex(("127.0.0.1", {tcp_listener.port})))
        s.sendall(b"payload")
    """
    result = program(code, "--no-network", env=net_env)

    assert_blocked(result, connect_line(f"127.0.0.1:{tcp_listener.port}"))
    assert result.stdout == ""
    assert_nothing_arrived(tcp_listener)


def test_connect_ex_allowed_with_localhost(tcp_listener, net_env):
    code = f"""
        import socket
        s = socket.socket()
        print(s.connect_ex(("127.0.0.1", {tcp_listener.port})))
        s.sendall(b"payload")
        s.close()
    """
    result = program(code, "--no-network", "--allow-localhost", env=net_env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "0\n"
    assert tcp_listener.data() == b"payload"


# CPython 3.11's socket.sendto keeps a reference to its data when an audit
# hook raises, so a blocked sendto leaks the data object. The blocked
# tests build it with bytes.fromhex, which tests/sanitize/lsan.supp names,
# so that make check-sanitize can distinguish this leak from others.
DATAGRAM = 'bytes.fromhex("64 61 74 61 67 72 61 6d")'


def test_udp_sendto_blocked(udp_listener, net_env):
    code = f"""
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto({DATAGRAM}, ("127.0.0.1", {udp_listener.port}))
    """
    result = program(code, "--no-network", env=net_env)

    assert_blocked(result, f"hermetic: blocked action: network disabled: sendto(127.0.0.1:{udp_listener.port})")
    assert udp_listener.data() == b""


def test_udp_sendto_allowed_with_localhost(udp_listener, net_env):
    code = f"""
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b"datagram", ("127.0.0.1", {udp_listener.port}))
    """
    result = program(code, "--no-network", "--allow-localhost", env=net_env)

    assert result.returncode == 0, result.stderr
    assert udp_listener.data() == b"datagram"


def test_udp_sendto_with_flags_blocked(udp_listener, net_env):
    code = f"""
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto({DATAGRAM}, 0, ("127.0.0.1", {udp_listener.port}))
    """
    result = program(code, "--no-network", env=net_env)

    assert_blocked(result, f"hermetic: blocked action: network disabled: sendto(127.0.0.1:{udp_listener.port})")
    assert udp_listener.data() == b""


def test_udp_connect_blocked(udp_listener, net_env):
    code = f"""
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("127.0.0.1", {udp_listener.port}))
        s.send(b"datagram")
    """
    result = program(code, "--no-network", env=net_env)

    assert_blocked(result, connect_line(f"127.0.0.1:{udp_listener.port}"))
    assert udp_listener.data() == b""


def test_udp_sendmsg_with_address_blocked(udp_listener, net_env):
    code = f"""
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendmsg([b"data", b"gram"], [], 0, ("127.0.0.1", {udp_listener.port}))
    """
    result = program(code, "--no-network", env=net_env)

    assert_blocked(result, f"hermetic: blocked action: network disabled: sendmsg(127.0.0.1:{udp_listener.port})")
    assert udp_listener.data() == b""


def test_udp_sendmsg_with_address_allowed_with_localhost(udp_listener, net_env):
    code = f"""
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendmsg([b"data", b"gram"], [], 0, ("127.0.0.1", {udp_listener.port}))
    """
    result = program(code, "--no-network", "--allow-localhost", env=net_env)

    assert result.returncode == 0, result.stderr
    assert udp_listener.data() == b"datagram"


def test_udp_sendto_name_blocked_before_lookup(udp_listener, net_env):
    code = f"""
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b"datagram", ("name.invalid", {udp_listener.port}))
    """
    result = program(code, "--no-network", "--allow-localhost", env=net_env)

    assert_blocked(result, f"hermetic: blocked action: network disabled: sendto(name.invalid:{udp_listener.port})")


def test_connected_sendmsg_allowed_with_localhost(tcp_listener, net_env):
    code = f"""
        import socket
        s = socket.create_connection(("127.0.0.1", {tcp_listener.port}))
        s.sendmsg([b"pay", b"load"])
        s.close()
    """
    result = program(code, "--no-network", "--allow-localhost", env=net_env)

    assert result.returncode == 0, result.stderr
    assert tcp_listener.data() == b"payload"


# A program that binds, catches a violation, and prints whether the socket got a port.
BIND_PROBE = """
    import hermetic, socket
    s = socket.socket(socket.{family})
    try:
        s.bind(({host!r}, 0))
    except hermetic.PolicyViolation as e:
        print("blocked", e.guard, s.getsockname()[1])
    else:
        print("bound", s.getsockname()[1] != 0)
"""


@pytest.mark.parametrize(
    "family, host, shown",
    [("AF_INET", "0.0.0.0", "0.0.0.0"), ("AF_INET", "", "0.0.0.0"), ("AF_INET6", "::", "::")],
    ids=["any_v4", "empty_v4", "any_v6"],
)
@pytest.mark.parametrize("options", [["--no-network"], ["--no-network", "--allow-localhost"]], ids=["strict", "localhost"])
def test_bind_wildcard_blocked(family, host, shown, options, net_env):
    result = program(BIND_PROBE.format(family=family, host=host), *options, env=net_env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "blocked network 0\n"
    assert blocked_lines(result.stderr) == [f"hermetic: blocked action: network disabled: bind({shown})"]


@pytest.mark.parametrize("family, host", [("AF_INET", "127.0.0.1"), ("AF_INET6", "::1")], ids=["v4", "v6"])
def test_bind_loopback_blocked_without_localhost(family, host, net_env):
    result = program(BIND_PROBE.format(family=family, host=host), "--no-network", env=net_env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "blocked network 0\n"
    assert blocked_lines(result.stderr) == [f"hermetic: blocked action: network disabled: bind({host})"]


@pytest.mark.parametrize("family, host", [("AF_INET", "127.0.0.1"), ("AF_INET6", "::1")], ids=["v4", "v6"])
def test_bind_loopback_allowed_with_localhost(family, host, net_env):
    result = program(BIND_PROBE.format(family=family, host=host), "--no-network", "--allow-localhost", env=net_env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "bound True\n"
    assert blocked_lines(result.stderr) == []


def test_listening_server_on_loopback_works(net_env):
    """A program may serve itself on loopback: bind, listen, connect, accept."""
    code = """
        import socket
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen()
        client = socket.create_connection(server.getsockname())
        conn, _ = server.accept()
        client.sendall(b"ping")
        print(conn.recv(4).decode())
    """
    result = program(code, "--no-network", "--allow-localhost", env=net_env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "ping\n"


# ----- Other routes to connect -----


@pytest.mark.parametrize(
    "call",
    [
        "import _socket; s = _socket.socket(); s.connect(ADDRESS)",
        "import socket; s = socket.socket(); socket.socket.__mro__[1].connect(s, ADDRESS)",
        "import _socket; s = _socket.socket(); _socket.socket.connect_ex(s, ADDRESS)",
        "import socket; s = socket.socket(); connect = s.connect; connect(ADDRESS)",
    ],
    ids=["raw_module", "base_class", "unbound_connect_ex", "bound_method"],
)
def test_low_level_connect_blocked(call, tcp_listener, net_env):
    code = call.replace("ADDRESS", f"('127.0.0.1', {tcp_listener.port})") + "; s.send(b'payload')"
    result = program(code, "--no-network", env=net_env)

    assert_blocked(result, connect_line(f"127.0.0.1:{tcp_listener.port}"))
    assert_nothing_arrived(tcp_listener)


# ----- Standard library and Debian clients -----

# Programs that fetch http://HOST:PORT/ and print the body.
HTTP_CLIENTS = {
    "urllib": """
        import urllib.request
        print(urllib.request.urlopen("http://{host}:{port}/", timeout=10).read().decode())
    """,
    "http_client": """
        import http.client
        conn = http.client.HTTPConnection("{host}", {port}, timeout=10)
        conn.request("GET", "/")
        print(conn.getresponse().read().decode())
    """,
    "asyncio": """
        import asyncio

        async def main():
            reader, writer = await asyncio.open_connection("{host}", {port})
            writer.write(b"GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
            await writer.drain()
            data = await reader.read()
            print(data.split(b"\\r\\n\\r\\n", 1)[1].decode())
            writer.close()

        asyncio.run(main())
    """,
    "requests": """
        import requests
        print(requests.get("http://{host}:{port}/", timeout=10).text)
    """,
}


# Clients that wrap OSError in their own exception (urllib's URLError,
# requests' ConnectionError) end with that exception and status 1; the
# violation is a PermissionError, and hermetic reports it at the end.
WRAPPING_CLIENTS = {"urllib", "requests"}


@pytest.mark.parametrize("client", sorted(HTTP_CLIENTS))
def test_http_client_blocked(client, http_listener, net_env):
    code = HTTP_CLIENTS[client].format(host="127.0.0.1", port=http_listener.port)
    result = program(code, "--no-network", env=net_env)
    line = connect_line(f"127.0.0.1:{http_listener.port}")

    if client in WRAPPING_CLIENTS:
        assert result.returncode == 1, result.stderr
        assert "network disabled: connect" in result.stderr
        assert result.stderr.splitlines()[-1] == line, result.stderr
    else:
        assert_blocked(result, line)
    assert result.stdout == ""
    assert_nothing_arrived(http_listener)


@pytest.mark.parametrize("client", sorted(HTTP_CLIENTS))
def test_http_client_allowed_with_localhost(client, http_listener, net_env):
    code = HTTP_CLIENTS[client].format(host="127.0.0.1", port=http_listener.port)
    result = program(code, "--no-network", "--allow-localhost", env=net_env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"
    assert http_listener.data().startswith(b"GET / HTTP/1.1\r\n")


def test_httpie_blocked(http_listener, net_env):
    url = f"http://127.0.0.1:{http_listener.port}/"
    result = hermetic("--no-network", "--", "http", "--ignore-stdin", url, env=net_env)

    assert result.returncode != 0
    assert result.stderr.splitlines()[-1] == connect_line(f"127.0.0.1:{http_listener.port}")
    assert_nothing_arrived(http_listener)


def test_httpie_allowed_with_localhost(http_listener, net_env):
    url = f"http://127.0.0.1:{http_listener.port}/"
    result = hermetic("--no-network", "--allow-localhost", "--", "http", "--ignore-stdin", "--body", url, env=net_env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
    assert http_listener.data().startswith(b"GET / HTTP/1.1\r\n")
    assert blocked_lines(result.stderr) == []


def test_httpie_dns_blocked_before_lookup(net_env):
    """hermetic blocks the lookup of example.com itself, so no query leaves the machine."""
    result = hermetic("--no-network", "--", "http", "--ignore-stdin", "https://example.com", env=net_env, timeout=60)

    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == "hermetic: blocked action: network disabled: DNS(example.com)"


# ----- IPv6 and canonical address forms -----


def test_ipv6_loopback_blocked(tcp6_listener, net_env):
    code = f"""
        import socket
        s = socket.socket(socket.AF_INET6)
        s.connect(("::1", {tcp6_listener.port}))
        s.sendall(b"payload")
    """
    result = program(code, "--no-network", env=net_env)

    assert_blocked(result, connect_line(f"[::1]:{tcp6_listener.port}"))
    assert_nothing_arrived(tcp6_listener)


@pytest.mark.parametrize(
    "options",
    [["--allow-localhost"], ["--allow-domain", "[::1]:{port}"], ["--allow-domain", "::1"]],
    ids=["localhost", "rule_with_port", "rule_address"],
)
def test_ipv6_loopback_allowed(options, tcp6_listener, net_env):
    options = [option.replace("{port}", str(tcp6_listener.port)) for option in options]
    code = f"""
        import socket
        s = socket.create_connection(("::1", {tcp6_listener.port}))
        s.sendall(b"payload")
        s.close()
    """
    result = program(code, "--no-network", *options, env=net_env)

    assert result.returncode == 0, result.stderr
    assert tcp6_listener.data() == b"payload"


# Other spellings of 127.0.0.1 that the socket module accepts.
LOOPBACK_FORMS = {
    "short": ("AF_INET", "127.1"),
    "integer": ("AF_INET", "2130706433"),
    "v4_mapped": ("AF_INET6", "::ffff:127.0.0.1"),
    "v4_mapped_hex": ("AF_INET6", "::ffff:7f00:1"),
}


def canonical_probe(form, port):
    family, host = LOOPBACK_FORMS[form]
    return f"""
        import socket
        s = socket.socket(socket.{family})
        s.settimeout(10)
        s.connect(({host!r}, {port}))
        s.sendall(b"payload")
        s.close()
    """


@pytest.mark.parametrize("form", sorted(LOOPBACK_FORMS))
def test_loopback_form_blocked(form, tcp_listener, net_env):
    result = program(canonical_probe(form, tcp_listener.port), "--no-network", env=net_env)

    assert_blocked(result, connect_line(f"127.0.0.1:{tcp_listener.port}"))
    assert_nothing_arrived(tcp_listener)


@pytest.mark.parametrize("form", sorted(LOOPBACK_FORMS))
def test_loopback_form_allowed_with_localhost(form, tcp_listener, net_env):
    result = program(canonical_probe(form, tcp_listener.port), "--no-network", "--allow-localhost", env=net_env)

    assert result.returncode == 0, result.stderr
    assert tcp_listener.data() == b"payload"


@pytest.mark.parametrize("form", sorted(LOOPBACK_FORMS))
def test_loopback_form_matches_address_rule(form, tcp_listener, net_env):
    """--allow-domain 127.0.0.1 matches every spelling of that address."""
    result = program(canonical_probe(form, tcp_listener.port), "--no-network", "--allow-domain", "127.0.0.1", env=net_env)

    assert result.returncode == 0, result.stderr
    assert tcp_listener.data() == b"payload"


# ----- DNS -----


@pytest.mark.parametrize(
    "call",
    [
        "socket.getaddrinfo('blocked.invalid', 80)",
        "socket.getaddrinfo(host='blocked.invalid', port=80)",
        "socket.gethostbyname('blocked.invalid')",
        "socket.gethostbyname_ex('blocked.invalid')",
        "socket.getaddrinfo(b'blocked.invalid', None)",
        "socket.getaddrinfo('BLOCKED.Invalid.', 80)",
        "socket.create_connection(('blocked.invalid', 80))",
    ],
    ids=["getaddrinfo", "getaddrinfo_keywords", "gethostbyname", "gethostbyname_ex", "bytes", "mixed_case", "create_connection"],
)
@pytest.mark.parametrize("options", [["--no-network"], ["--no-network", "--allow-localhost"]], ids=["strict", "localhost"])
def test_lookup_blocked(call, options, net_env):
    code = f"""
        import socket
        try:
            {call}
        except socket.gaierror as e:
            print("resolver answered", e)
    """
    result = program(code, *options, env=net_env)

    assert_blocked(result, "hermetic: blocked action: network disabled: DNS(blocked.invalid)")
    assert result.stdout == ""


def test_lookup_of_non_utf8_bytes_name_raises_violation(net_env):
    code = """
        import hermetic, socket
        try:
            socket.gethostbyname(b"caf\\xe9.invalid")
        except hermetic.PolicyViolation as e:
            print("blocked", e.guard)
    """
    result = subprocess.run(
        [str(HERMETIC), "--no-network", "--", PYTHON, "-c", textwrap.dedent(code)],
        env=net_env,
        capture_output=True,
        timeout=120,
    )
    stderr = result.stderr.decode("utf-8", "backslashreplace")

    assert result.returncode == 0, stderr
    assert result.stdout == b"blocked network\n", stderr
    assert "Traceback" not in stderr
    # hermetic's messages are text lines, so this one must decode as UTF-8.
    assert result.stderr.decode("utf-8").startswith("hermetic: blocked action: network disabled: DNS(")


def test_lookup_of_unicode_name_shows_idna(net_env):
    code = """
        import socket
        socket.getaddrinfo("b\\u00fccher.invalid", 80)
    """
    result = program(code, "--no-network", env=net_env)

    assert_blocked(result, "hermetic: blocked action: network disabled: DNS(xn--bcher-kva.invalid)")


def test_connect_to_name_blocked_before_lookup(tcp_listener, net_env):
    code = f"""
        import socket
        s = socket.socket()
        s.connect(("name.invalid", {tcp_listener.port}))
    """
    result = program(code, "--no-network", "--allow-localhost", env=net_env)

    assert_blocked(result, connect_line(f"name.invalid:{tcp_listener.port}"))


def test_reverse_lookup_of_loopback_blocked(net_env):
    code = """
        import socket
        socket.gethostbyaddr("127.0.0.1")
    """
    result = program(code, "--no-network", env=net_env)

    assert_blocked(result, "hermetic: blocked action: network disabled: DNS(127.0.0.1)")


def test_localhost_name_allowed_with_localhost(tcp_listener, net_env):
    """/etc/hosts maps localhost to 127.0.0.1, so --allow-localhost covers the name."""
    code = f"""
        import socket
        s = socket.create_connection(("localhost", {tcp_listener.port}))
        s.sendall(b"payload")
        s.close()
    """
    result = program(code, "--no-network", "--allow-localhost", env=net_env)

    assert result.returncode == 0, result.stderr
    assert tcp_listener.data() == b"payload"


# ----- --allow-domain -----


@pytest.fixture
def second_loopback(tcp_listener):
    """A listener on 127.0.0.2 with the same port as tcp_listener on 127.0.0.1."""
    listener = Listener(host="127.0.0.2", port=tcp_listener.port)
    yield listener
    listener.close()


def test_allowed_name_reaches_its_address_only(http_listener, net_env):
    """requests reaches an allowed name, but the same port on an address the name did not resolve to stays blocked."""
    other = Listener(host="127.0.0.2", port=http_listener.port)
    try:
        code = f"""
            import hermetic, requests, socket
            print(requests.get("http://localhost:{http_listener.port}/", timeout=10).text)
            s = socket.socket()
            try:
                s.connect(("127.0.0.2", {http_listener.port}))
            except hermetic.PolicyViolation as e:
                print("blocked", e.target)
        """
        result = program(code, "--no-network", "--allow-domain", "localhost", env=net_env)

        assert result.returncode == 0, result.stderr
        assert result.stdout == "ok\nblocked 127.0.0.2\n"
        assert http_listener.data().startswith(b"GET / HTTP/1.1\r\n")
        assert_nothing_arrived(other)
    finally:
        other.close()


def test_allowed_name_does_not_allow_other_names(net_env):
    code = """
        import socket
        socket.getaddrinfo("localhost", 80)
        socket.getaddrinfo("blocked.invalid", 80)
    """
    result = program(code, "--no-network", "--allow-domain", "localhost", env=net_env)

    assert_blocked(result, "hermetic: blocked action: network disabled: DNS(blocked.invalid)")


def connect_both(port):
    """Code that connects to 127.0.0.1:port and 127.0.0.2:port and reports each outcome."""
    return f"""
        import hermetic, socket
        for host in ("127.0.0.1", "127.0.0.2"):
            s = socket.socket()
            try:
                s.connect((host, {port}))
            except hermetic.PolicyViolation:
                print(host, "blocked")
            else:
                s.sendall(host.encode())
                s.close()
                print(host, "sent")
    """


@pytest.mark.parametrize("rule", ["127.0.0.1", "127.0.0.0/31", "127.0.0.1:{port}"], ids=["address", "cidr", "address_port"])
def test_allow_domain_rule_selects_address(rule, tcp_listener, second_loopback, net_env):
    rule = rule.replace("{port}", str(tcp_listener.port))
    result = program(connect_both(tcp_listener.port), "--no-network", "--allow-domain", rule, env=net_env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "127.0.0.1 sent\n127.0.0.2 blocked\n"
    assert tcp_listener.data() == b"127.0.0.1"
    assert_nothing_arrived(second_loopback)


def test_allow_domain_cidr_covers_range(tcp_listener, second_loopback, net_env):
    result = program(connect_both(tcp_listener.port), "--no-network", "--allow-domain", "127.0.0.0/30", env=net_env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "127.0.0.1 sent\n127.0.0.2 sent\n"
    assert tcp_listener.data() == b"127.0.0.1"
    assert second_loopback.data() == b"127.0.0.2"


def test_allow_domain_port_blocks_other_port(tcp_listener, http_listener, net_env):
    code = f"""
        import hermetic, socket
        for port in ({tcp_listener.port}, {http_listener.port}):
            s = socket.socket()
            try:
                s.connect(("127.0.0.1", port))
            except hermetic.PolicyViolation:
                print(port, "blocked")
            else:
                s.sendall(b"payload")
                s.close()
                print(port, "sent")
    """
    result = program(code, "--no-network", "--allow-domain", f"127.0.0.1:{tcp_listener.port}", env=net_env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{tcp_listener.port} sent\n{http_listener.port} blocked\n"
    assert tcp_listener.data() == b"payload"
    assert_nothing_arrived(http_listener)


def test_allow_domain_name_with_port(http_listener, net_env):
    code = f"""
        import requests
        print(requests.get("http://localhost:{http_listener.port}/", timeout=10).text)
    """
    result = program(code, "--no-network", "--allow-domain", f"localhost:{http_listener.port}", env=net_env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"


def test_allow_domain_name_port_blocks_other_port(tcp_listener, http_listener, net_env):
    code = f"""
        import socket
        s = socket.create_connection(("localhost", {http_listener.port}))
        s.sendall(b"payload")
    """
    result = program(code, "--no-network", "--allow-domain", f"localhost:{tcp_listener.port}", env=net_env)

    assert_blocked(result, connect_line(f"127.0.0.1:{http_listener.port}"))
    assert_nothing_arrived(http_listener)


def test_allowed_name_address_needs_lookup_first(tcp_listener, net_env):
    """Only addresses that an allowed name resolved to in this process are allowed."""
    code = f"""
        import hermetic, socket
        try:
            socket.create_connection(("127.0.0.1", {tcp_listener.port}))
        except hermetic.PolicyViolation:
            print("blocked before lookup")
        print(socket.gethostbyname("localhost"))
        s = socket.create_connection(("127.0.0.1", {tcp_listener.port}))
        s.sendall(b"payload")
        s.close()
    """
    result = program(code, "--no-network", "--allow-domain", "localhost", env=net_env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "blocked before lookup\n127.0.0.1\n"
    assert tcp_listener.connections == 1
    assert tcp_listener.data() == b"payload"


@pytest.mark.parametrize(
    "connect",
    [
        'socket.create_connection(("LocalHost", PORT))',
        's = socket.socket(); s.connect(("localhost", PORT))',
        'asyncio.run(asyncio.open_connection("localhost", PORT))',
    ],
    ids=["mixed_case", "connect_name", "asyncio"],
)
def test_allowed_name_reaches_listener(connect, tcp_listener, net_env):
    code = "import asyncio, socket\n" + connect.replace("PORT", str(tcp_listener.port))
    result = program(code, "--no-network", "--allow-domain", "localhost", env=net_env)

    assert result.returncode == 0, result.stderr
    assert tcp_listener.connections == 1


# ----- Cloud metadata -----

# The socket is closed before connect, so if the guard let the call through,
# connect(2) would fail with EBADF and no packet could leave the machine.
METADATA_PROBE = """
    import errno, hermetic, socket
    s = socket.socket(socket.{family})
    s.settimeout(1)
    s.close()
    try:
        s.connect(({host!r}, 9))
    except hermetic.PolicyViolation as e:
        print("blocked", e.target)
    except OSError as e:
        print("reached connect", errno.errorcode.get(e.errno))
"""

METADATA_FORMS = {"v4": ("AF_INET", "169.254.169.254"), "v4_mapped": ("AF_INET6", "::ffff:169.254.169.254")}


@pytest.mark.parametrize("form", sorted(METADATA_FORMS))
def test_closed_socket_probe_reaches_connect(form, net_env):
    """Without a policy the probe gets EBADF from connect(2): it never sends a packet."""
    family, host = METADATA_FORMS[form]
    code = textwrap.dedent(METADATA_PROBE.format(family=family, host=host))
    result = hermetic("--", PYTHON, "-c", code, env=net_env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "reached connect EBADF\n"


@pytest.mark.parametrize("form", sorted(METADATA_FORMS))
@pytest.mark.parametrize(
    "options",
    [["--no-network"], ["--no-network", "--allow-domain", "169.254.0.0/16"], ["--no-network", "--allow-localhost"]],
    ids=["strict", "link_local_cidr", "localhost"],
)
def test_metadata_address_blocked(options, form, net_env):
    family, host = METADATA_FORMS[form]
    result = program(METADATA_PROBE.format(family=family, host=host), *options, env=net_env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "blocked 169.254.169.254\n"
    assert blocked_lines(result.stderr) == [connect_line("169.254.169.254:9")]


# ----- Sockets that reach nothing -----


def test_socketpair_works_without_network(net_env):
    code = """
        import socket
        a, b = socket.socketpair()
        a.sendall(b"pair")
        print(b.recv(4).decode())
    """
    result = program(code, "--no-network", env=net_env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "pair\n"
    assert blocked_lines(result.stderr) == []


def test_asyncio_run_works_without_network(net_env):
    code = """
        import asyncio

        async def main():
            await asyncio.sleep(0.01)
            loop = asyncio.get_running_loop()
            future = loop.create_future()
            loop.call_soon_threadsafe(future.set_result, "done")
            return await future

        print(asyncio.run(main()))
    """
    result = program(code, "--no-network", env=net_env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "done\n"
    assert blocked_lines(result.stderr) == []


# ----- AF_UNIX -----


class UnixListener:
    """A stream server on a socket file that records the bytes it receives."""

    def __init__(self, abstract=False):
        # AF_UNIX paths are limited to 108 bytes, so use a short directory.
        self.directory = tempfile.mkdtemp(prefix="hermetic-")
        if abstract:
            # A name in Linux's abstract namespace starts with a NUL byte and has no file.
            self.path = "\0" + os.path.basename(self.directory)
        else:
            self.path = os.path.join(self.directory, "server.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(4)
        self.sock.settimeout(0.2)
        self.connections = 0
        self.received = []
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            self.connections += 1
            conn.settimeout(5)
            with conn:
                while True:
                    try:
                        data = conn.recv(65536)
                    except OSError:
                        break
                    if not data:
                        break
                    self.received.append(data)

    def data(self):
        self._stop = True
        self._thread.join(timeout=5)
        return b"".join(self.received)

    def close(self):
        self._stop = True
        self._thread.join(timeout=5)
        self.sock.close()
        if not self.path.startswith("\0"):
            os.unlink(self.path)
        os.rmdir(self.directory)


@pytest.fixture(params=["file", "abstract"])
def unix_listener(request):
    listener = UnixListener(abstract=request.param == "abstract")
    yield listener
    listener.close()


def shown_unix_address(path):
    """The address as hermetic's messages show it: @name for an abstract socket."""
    return "@" + path[1:] if path.startswith("\0") else path


def unix_client(path):
    return f"""
        import socket
        s = socket.socket(socket.AF_UNIX)
        s.connect({path!r})
        s.sendall(b"payload")
        s.close()
    """


def test_unix_connect_blocked(unix_listener, net_env):
    result = program(unix_client(unix_listener.path), "--no-network", "--allow-localhost", env=net_env)

    assert_blocked(result, connect_line(shown_unix_address(unix_listener.path)))
    assert unix_listener.data() == b""
    assert unix_listener.connections == 0


def test_unix_connect_allowed_with_unix_socket(unix_listener, net_env):
    result = program(unix_client(unix_listener.path), "--no-network", "--allow-unix-socket", env=net_env)

    assert result.returncode == 0, result.stderr
    assert unix_listener.data() == b"payload"


def test_unix_bind_needs_unix_socket(net_env):
    directory = tempfile.mkdtemp(prefix="hermetic-")
    path = os.path.join(directory, "own.sock")
    code = f"""
        import hermetic, os, socket
        s = socket.socket(socket.AF_UNIX)
        try:
            s.bind({path!r})
        except hermetic.PolicyViolation:
            print("blocked", os.path.exists({path!r}))
        else:
            print("bound", os.path.exists({path!r}))
    """
    try:
        blocked = program(code, "--no-network", env=net_env)
        allowed = program(code, "--no-network", "--allow-unix-socket", env=net_env)
    finally:
        if os.path.exists(path):
            os.unlink(path)
        os.rmdir(directory)

    assert blocked.returncode == 0, blocked.stderr
    assert blocked.stdout == "blocked False\n"
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout == "bound True\n"


# ----- Raw and packet sockets -----


@pytest.mark.parametrize(
    "family, kind, protocol, shown",
    [
        ("AF_INET", "SOCK_RAW", "IPPROTO_ICMP", "socket(AF_INET, SOCK_RAW)"),
        ("AF_INET6", "SOCK_RAW", "IPPROTO_ICMPV6", "socket(AF_INET6, SOCK_RAW)"),
        ("AF_PACKET", "SOCK_RAW", "0", "socket(AF_PACKET)"),
        ("AF_PACKET", "SOCK_DGRAM", "0", "socket(AF_PACKET)"),
        ("AF_INET", "SOCK_RAW | socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC", "IPPROTO_ICMP", "socket(AF_INET, SOCK_RAW)"),
    ],
    ids=["raw_v4", "raw_v6", "packet_raw", "packet_dgram", "raw_v4_with_flags"],
)
def test_raw_socket_blocked(family, kind, protocol, shown, net_env):
    """These sockets open as root without hermetic, so only the guard stops them."""
    proto = protocol if protocol == "0" else f"socket.{protocol}"
    code = f"""
        import hermetic, socket
        try:
            socket.socket(socket.{family}, socket.{kind}, {proto})
        except hermetic.PolicyViolation as e:
            print("blocked", e.guard, e.target)
    """
    result = program(code, "--no-network", "--allow-localhost", env=net_env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("blocked network "), result.stderr
    assert blocked_lines(result.stderr) == [f"hermetic: blocked action: network disabled: {shown}"]


@pytest.mark.skipif(os.geteuid() != 0, reason="raw sockets need root")
def test_raw_socket_opens_without_policy(net_env):
    """A control for the test above: without --no-network the raw socket opens."""
    code = "import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).close(); print('opened')"
    result = hermetic("--", PYTHON, "-c", code, env=net_env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "opened\n"


# ----- Forged audit events -----

FORGED_EVENTS = [
    'sys.audit("socket.connect")',
    'sys.audit("socket.connect", None)',
    'sys.audit("socket.connect", None, None)',
    'sys.audit("socket.connect", object(), ("127.0.0.1",))',
    'sys.audit("socket.connect", object(), ("127.0.0.1", 2**70))',
    'sys.audit("socket.connect", object(), ("127.0.0.1", -1))',
    'sys.audit("socket.connect", object(), (None, 80))',
    'sys.audit("socket.connect", object(), ("a\\x00b", 80))',
    'sys.audit("socket.connect", object(), ("\\udc80", 80))',
    'sys.audit("socket.getaddrinfo", 1, 2)',
    'sys.audit("socket.getaddrinfo")',
    'sys.audit("socket.getaddrinfo", "x" * 100000)',
    'sys.audit("socket.gethostbyname", b"\\xff" * 5000)',
    'sys.audit("socket.gethostbyaddr", None)',
    'sys.audit("socket.getnameinfo", ())',
    'sys.audit("socket.getnameinfo", ((),))',
    'sys.audit("socket.getnameinfo", (object(),))',
    'sys.audit("socket.bind", object(), ("x" * 10000, 1))',
    'sys.audit("socket.bind", object(), bytearray(b"/tmp/x" * 1000))',
    'sys.audit("socket.sendto", object())',
    'sys.audit("socket.sendmsg", object(), None)',
    'sys.audit("socket.sendmsg", object(), 12)',
    'sys.audit("socket.__new__", object(), "AF_INET", "SOCK_RAW", 0)',
    'sys.audit("socket.__new__", object(), 2**80, 3, 0)',
    'sys.audit("socket.__new__")',
    'sys.audit("sys.excepthook")',
    'sys.audit("sys.excepthook", None, None, 42, None)',
]


@pytest.mark.parametrize(
    "options",
    [["--no-network"], ["--no-network", "--allow-localhost", "--allow-domain", "example.invalid", "--trace=all"]],
    ids=["strict", "allowances_traced"],
)
def test_forged_events_never_crash(options, net_env, tmp_path):
    lines = ["import sys, hermetic", "results = []"]
    for event in FORGED_EVENTS:
        lines += [
            "try:",
            f"    {event}",
            "    results.append('passed')",
            "except BaseException as e:",
            "    results.append(type(e).__name__)",
        ]
    lines.append("print(len(results), 'events done')")
    log = tmp_path / "decisions.jsonl"
    # Bytes output: a forged host name may put bytes that are not UTF-8 into the messages.
    result = subprocess.run(
        [str(HERMETIC), *options, "--log-json", str(log), "--", PYTHON, "-c", "\n".join(lines)],
        env=net_env,
        capture_output=True,
        timeout=120,
    )
    stderr = result.stderr.decode("utf-8", "backslashreplace")

    assert result.returncode not in CRASH_STATUSES, stderr
    assert "Fatal Python error" not in stderr
    assert result.returncode == 0, stderr
    assert result.stdout == f"{len(FORGED_EVENTS)} events done\n".encode()
    for line in log.read_text().splitlines():
        json.loads(line)


def test_forged_excepthook_event_keeps_exit_status(net_env):
    code = """
        import hermetic, sys
        try:
            sys.audit("sys.excepthook", None, None, hermetic.PolicyViolation("forged"), None)
        except Exception as e:
            print("raised", type(e).__name__)
        print("done")
    """
    result = program(code, "--no-network", env=net_env)

    assert result.stdout.splitlines()[-1] == "done", result.stderr
    assert result.returncode == 0, result.stderr
    assert blocked_lines(result.stderr) == []


# ----- Start-up code in a venv -----


@pytest.fixture
def venv_with_pth(tmp_path, tcp_listener):
    """A venv whose site-packages has a .pth file that connects to tcp_listener at start-up."""
    venv = tmp_path / "env"
    subprocess.run([PYTHON, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True)
    hook = (
        f"import socket; s = socket.create_connection(('127.0.0.1', {tcp_listener.port})); "
        "s.sendall(b'from pth'); s.close()\n"
    )
    (venv / "lib" / "python3.11" / "site-packages" / "zz_phone_home.pth").write_text(hook)
    return venv


def test_pth_file_runs_without_hermetic(venv_with_pth, tcp_listener, net_env):
    """A control: the .pth line runs when the venv's python starts."""
    result = run([venv_with_pth / "bin" / "python", "-c", "print('main')"], env=net_env)

    assert result.returncode == 0, result.stderr
    # Debian's python3.11 runs this .pth line twice in a venv, so count at least one.
    assert tcp_listener.connections >= 1
    assert b"from pth" in tcp_listener.data()


@pytest.mark.parametrize("how", ["python", "script"])
def test_pth_file_blocked_at_start_up(how, venv_with_pth, tcp_listener, net_env):
    if how == "python":
        command = [venv_with_pth / "bin" / "python", "-c", "import sys; print(sys.prefix)"]
    else:
        script = venv_with_pth / "bin" / "show-prefix"
        script.write_text(f"#!{venv_with_pth}/bin/python\nimport sys; print(sys.prefix)\n")
        script.chmod(0o755)
        command = [script]
    env = dict(net_env, PATH=f"{venv_with_pth}/bin:{CLEAN_PATH}")

    result = hermetic("--no-network", "--", *command, env=env)

    assert_nothing_arrived(tcp_listener)
    assert result.stdout == f"{venv_with_pth}\n", result.stderr
    assert connect_line(f"127.0.0.1:{tcp_listener.port}") in blocked_lines(result.stderr), result.stderr
