"""Connect to a loopback listener 10 000 times: an event-heavy program."""

import socket
import sys

count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
server = socket.create_server(("127.0.0.1", 0), backlog=1024)
port = server.getsockname()[1]
for _ in range(count):
    with socket.socket() as client:
        client.connect(("127.0.0.1", port))
        server.accept()[0].close()
print(count)
