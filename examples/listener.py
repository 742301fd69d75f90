"""Listen on 127.0.0.1 and report what arrives, for the demo.

Writes the port to the file named by the first argument, then prints every
connection and the bytes received until it is terminated.
"""

import socket
import sys

with socket.create_server(("127.0.0.1", 0)) as server:
    with open(sys.argv[1], "w", encoding="ascii") as port_file:
        port_file.write(str(server.getsockname()[1]))
    while True:
        conn, _ = server.accept()
        with conn:
            data = conn.recv(4096)
            print(f"listener: received {data!r}", flush=True)
