"""Write a C header that holds a text file as a string constant.

Usage: embed.py NAME FILE > HEADER
"""

import sys


def main():
    name, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as source:
        text = source.read()
    print(f"/* Generated from {path} by tools/embed.py; do not edit. */")
    print(f"static const char {name}[] =")
    for line in text.splitlines(keepends=True):
        escaped = line.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        print(f'    "{escaped}"')
    print("    ;")


if __name__ == "__main__":
    main()
