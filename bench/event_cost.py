"""Nanoseconds per audited event, measured inside one process.

id() raises an audit event that no guard watches; hash() raises none and
costs about the same, so their difference is what the hook adds per event.
With an argument, measures open() of a file for reading, or connect() of a
UDP socket to a loopback address.
"""

import socket
import sys
import time

LOOPS = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000_000


def best_of(function, repeat=5):
    times = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        function()
        times.append(time.perf_counter_ns() - start)
    return min(times)


def unwatched():
    value = object()

    def with_event():
        for _ in range(LOOPS):
            id(value)

    def without_event():
        for _ in range(LOOPS):
            hash(value)

    return (best_of(with_event) - best_of(without_event)) / LOOPS


def open_for_read(path):
    loops = LOOPS // 20

    def opening():
        for _ in range(loops):
            with open(path, "rb") as handle:
                handle.read(1)

    return best_of(opening) / loops


def connect_loopback():
    # A UDP connect only sets the peer address, without a handshake. The
    # loop then costs about half a microsecond per call, so the one audit
    # event it raises (socket.connect, checked like a TCP connect) shows
    # above the noise. Each call gets a new address tuple, as in real code.
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    port = server.getsockname()[1]
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    host = "127.0.0.1"
    loops = LOOPS // 20

    def connecting():
        for _ in range(loops):
            client.connect((host, port))

    return best_of(connecting) / loops


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "unwatched":
        print(f"{unwatched():.1f}")
    elif what == "open":
        print(f"{open_for_read(sys.argv[3]):.1f}")
    elif what == "connect":
        print(f"{connect_loopback():.1f}")
