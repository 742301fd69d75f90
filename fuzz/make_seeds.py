#!/usr/bin/python3
"""Write the seed corpora under fuzz/corpus/ from the unit tests' data.

Profiles come from tests/data and profiles/; option lists, addresses, rules
and paths are the string literals of the Check suites that test them.
Run from the top of the repository; it rewrites the generated seeds and
leaves hand-written ones (names that start with "hand-") alone.
"""

import ast
import hashlib
import pathlib
import re
import shutil

TOP = pathlib.Path(__file__).resolve().parent.parent
CORPUS = TOP / "fuzz" / "corpus"
LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def literals(source):
    """Return the C string literals in a source file, unescaped."""
    out = []
    for match in LITERAL.finditer((TOP / source).read_text()):
        try:
            out.append(ast.literal_eval('"' + match.group(1) + '"'))
        except (SyntaxError, ValueError):
            continue
    return out


def reset(harness):
    directory = CORPUS / harness
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.iterdir():
        if not old.name.startswith("hand-"):
            old.unlink()
    return directory


def write(directory, data):
    name = hashlib.sha1(data).hexdigest()[:16]
    (directory / name).write_bytes(data)


def profile_seeds():
    directory = reset("profile")
    for pattern in ("tests/data/valid/*.y*ml", "tests/data/invalid/*.yaml", "profiles/*.yaml"):
        for path in sorted(TOP.glob(pattern)):
            shutil.copyfile(path, directory / (path.parent.name + "-" + path.name))


def cli_seeds():
    """Write runs of option-like literals, NUL-separated, after a program byte."""
    directory = reset("cli")
    words = [w for w in literals("tests/unit/check_cli.c") if w and len(w) < 200 and "\n" not in w]
    options = sorted({w for w in words if w.startswith("-")})
    values = [w for w in words if not w.startswith("-")]
    for i, option in enumerate(options):
        argv = [option]
        if i % 3 == 0 and values:
            argv.append(values[i % len(values)])
        argv += ["--", "prog.py"]
        for program in (b"\x00", b"\x01"):
            write(directory, program + b"\x00".join(a.encode() for a in argv))


def netaddr_seeds():
    """Write an address, a rule and a port on three lines per seed."""
    directory = reset("netaddr")
    words = sorted({w for w in literals("tests/unit/check_netaddr.c") + literals("tests/unit/check_netpolicy.c")
                    if 0 < len(w) < 100 and "\n" not in w and " " not in w})
    for i, word in enumerate(words):
        other = words[(i * 7 + 3) % len(words)]
        write(directory, f"{word}\n{other}\n{443 if i % 2 else 80}".encode())


def pathrule_seeds():
    """Write a path, a directory and a size on three lines per seed."""
    directory = reset("pathrule")
    words = [w for w in literals("tests/unit/check_pathrule.c") if 0 < len(w) < 200 and "\n" not in w]
    words += ["/usr/lib/python3.11/json/__init__.py", "/usr/lib/python3.11", "<frozen os>",
              "file:///tmp/x.db?mode=ro", "file:x.db?mode=memory", ":memory:", "${HOME:-/tmp}/x",
              "~/a/../b", "$$HOME", "/src/pkg*.egg-info/PKG-INFO", "/src/pkg*.egg-info"]
    for i, word in enumerate(words):
        other = words[(i * 5 + 1) % len(words)]
        write(directory, f"{word}\n{other}\n{'x' * (i % 40)}".encode())


if __name__ == "__main__":
    profile_seeds()
    cli_seeds()
    netaddr_seeds()
    pathrule_seeds()
