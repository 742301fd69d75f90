"""A CPU-bound pure-Python program: calls, dicts, strings, json and re.

It raises almost no audit events, so it measures the interpreter itself:
hermetic embeds its own copy of libpython, and this row shows whether
that copy runs Python code as fast as /usr/bin/python3.
"""

import json
import re
import sys

SCALE = int(sys.argv[1]) if len(sys.argv) > 1 else 10


def calls(n):
    def add(a, b):
        return a + b

    total = 0
    for i in range(n):
        total = add(total, i)
    return total


def dicts(n):
    table = {}
    for i in range(n):
        table[i % 1000] = str(i)
    return len(table)


def documents(n):
    document = {"items": list(range(50)), "name": "x" * 100, "nested": {"a": [1.5, None, True]}}
    for _ in range(n):
        document = json.loads(json.dumps(document))
    return document["name"]


def patterns(n):
    address = re.compile(r"(\w+)@(\w+)\.invalid")
    text = "someone wrote to user@example.invalid today " * 10
    return sum(len(address.findall(text)) for _ in range(n))


print(calls(100_000 * SCALE), dicts(100_000 * SCALE), documents(1_000 * SCALE) == "x" * 100,
      patterns(1_000 * SCALE))
