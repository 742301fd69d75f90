"""Run a program under plain python3 with a baseline audit hook.

    python3 bench/baseline.py null-c-hook BUILD_DIR -- PROGRAM [ARGS...]
    python3 bench/baseline.py python-hook [--root DIR] [--allow-localhost] -- PROGRAM [ARGS...]

null-c-hook loads BUILD_DIR/nullhook*.so, a C hook that allows every
event: what CPython itself spends per event once any C hook exists.
python-hook installs the policy of the benchmark rows (reads only under
DIR, no writes; loopback connections only) as a Python function given to
sys.addaudithook, the way a pure-Python tool has to: what the C hook saves.
"""

import ipaddress
import os
import runpy
import socket
import sys

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def within(path, directory):
    return path == directory or path.startswith(directory.rstrip("/") + "/")


def python_hook(root, allow_localhost):
    readable = [os.path.realpath(p) for p in sys.path if p] + [os.path.realpath(sys.prefix)]
    realpath = os.path.realpath
    ip_address = ipaddress.ip_address

    def hook(event, args):
        if event == "open":
            path, mode, flags = args
            if isinstance(path, int) or mode is None:
                return
            if any(c in mode for c in "waxWAX+") or flags & WRITE_FLAGS:
                raise PermissionError(f"filesystem readonly: open({path})")
            if root is not None:
                real = realpath(path)
                if not within(real, root) and not any(within(real, d) for d in readable):
                    raise PermissionError(f"read outside root: open({real})")
        elif event == "socket.connect" and allow_localhost:
            sock, address = args
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                if not ip_address(address[0]).is_loopback:
                    raise PermissionError(f"network disabled: connect({address[0]})")

    sys.addaudithook(hook)


def main(argv):
    mode = argv[0]
    split = argv.index("--")
    options, program = argv[1:split], argv[split + 1:]
    if mode == "null-c-hook":
        sys.path.insert(0, options[0])
        import nullhook  # noqa: F401  (installs the hook on import)

        del sys.path[0]
    elif mode == "python-hook":
        root = None
        if "--root" in options:
            root = os.path.realpath(options[options.index("--root") + 1])
        python_hook(root, "--allow-localhost" in options)
    else:
        sys.exit(f"baseline.py: unknown mode {mode!r}: use null-c-hook or python-hook")
    sys.argv = program
    sys.path[0] = os.path.dirname(os.path.abspath(program[0]))
    runpy.run_path(program[0], run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
