"""Run a Python snippet under hermetic and read back the exception it raised.

The guard tests wrap each technique in a program that catches whatever the
technique raises and prints one line, `OUTCOME {json}`, describing it. The
test then checks the side effect on disk (the real proof that nothing ran)
and, from that line, that the program saw a hermetic.PolicyViolation of the
right kind.
"""

import json
import subprocess
import textwrap
from pathlib import Path

from conftest import HERMETIC, blocked_lines, clean_env, strip_start_up_noise, wrapped

OUTCOME_PREFIX = "OUTCOME "

PROGRAM_TEMPLATE = '''\
import json
import sys

# A child that multiprocessing starts re-imports this file, and that child
# may be a plain python3 without the hermetic module.
try:
    import hermetic
except ImportError:
    hermetic = None


def report(exc):
    outcome = {{
        "raised": type(exc).__name__ if exc is not None else None,
        "violation": hermetic is not None and isinstance(exc, hermetic.PolicyViolation),
        "permission_error": isinstance(exc, PermissionError),
        "import_error": isinstance(exc, ImportError),
        "guard": getattr(exc, "guard", None),
        "message": str(exc) if exc is not None else None,
    }}
    print({prefix!r} + json.dumps(outcome), flush=True)


{setup}


def main():
    try:
{body}
    except BaseException as exc:
        report(exc)
    else:
        report(None)


if __name__ == "__main__":
    main()
'''


def program_text(body, setup=""):
    """Return a program that runs `body` and prints its OUTCOME line."""
    return PROGRAM_TEMPLATE.format(
        prefix=OUTCOME_PREFIX,
        setup=textwrap.dedent(setup),
        body=textwrap.indent(textwrap.dedent(body).strip("\n"), " " * 8),
    )


def write_program(directory, body, setup="", name="program.py"):
    """Write the program for `body` into `directory` and return its path."""
    path = Path(directory) / name
    path.write_text(program_text(body, setup))
    return path


def run_hermetic(args, *, env=None, cwd=None, pass_fds=(), timeout=120, input=None):
    """Run build/hermetic with `args`, optionally passing open descriptors."""
    return subprocess.run(
        wrapped([HERMETIC, *args]),
        env=env if env is not None else clean_env(),
        cwd=cwd,
        pass_fds=pass_fds,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input,
    )


def run_program(program, *options, **kwargs):
    """Run the program file `program` with /usr/bin/python3 under `options`."""
    return run_hermetic([*options, "--", "/usr/bin/python3", program], **kwargs)


def outcome_of(result):
    """Return the OUTCOME dict that the program printed, or fail the test."""
    for line in result.stdout.splitlines():
        if line.startswith(OUTCOME_PREFIX):
            return json.loads(line[len(OUTCOME_PREFIX):])
    raise AssertionError(
        f"the program printed no outcome line (exit status {result.returncode})\n"
        f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )


def describe(result):
    """Return the exit status and output of `result`, for assert messages."""
    return f"exit status {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"


def relevant_blocked_lines(stderr):
    """Return the 'hermetic: blocked action:' lines, without start-up noise."""
    return blocked_lines(strip_start_up_noise(stderr))
