"""Open and read a file 100 000 times: an event-heavy program."""

import sys

path = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
total = 0
for _ in range(count):
    with open(path, "rb") as handle:
        total += len(handle.read())
print(total)
