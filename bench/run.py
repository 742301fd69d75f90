"""Measure hermetic against plain /usr/bin/python3 on this machine, in one run.

    python3 bench/run.py [--runs N] [--output BENCHMARKS.md] [--smoke]

Every row runs its commands in turn, rotating which goes first, N times
(30 by default), and reports the minimum, median and maximum and the ratio
of medians against plain python3. Rows of per-event costs run programs
that time a loop themselves and print nanoseconds per event; they report
the difference of medians instead. --smoke runs each command once with tiny
sizes and only checks that it succeeds, so the programs cannot rot.

The exit status is 0 when every command ran, whatever the figures are: this
is a measurement, not a test. A command that fails stops the run (status 1).
"""

import argparse
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

PYTHON = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
# Rows in ns time a loop of millions of events inside each run, so fewer
# runs give a stable median. Their Python-hook baseline is also slow.
NS_RUNS = 10
# bench/embed.c: Python's own main linked like hermetic, without hermetic.
EMBEDDER = "same libpython, no hermetic"
NULL_HOOK = "same libpython, do-nothing C hook"


class CommandFailed(Exception):
    pass


@dataclass
class Row:
    name: str
    kind: str                  # "time": wall time per run; "ns": printed ns per event
    target: str
    limit: float               # the highest ratio (time) or ns (ns) that meets the target
    commands: list             # [(label, argv)], the first is the baseline
    judged: list               # labels the target applies to
    limits: str                # what bounds the figure, in one or two sentences
    reference: str = "python3"  # the label a judged ns figure is measured over
    results: dict = field(default_factory=dict)   # label -> list of samples
    memory: dict = field(default_factory=dict)    # label -> list of max RSS in KiB


def run_once(argv, capture):
    """Run argv once; return (seconds, max RSS in KiB, stdout text)."""
    stderr = tempfile.TemporaryFile()
    devnull = os.open(os.devnull, os.O_RDWR)
    read_end = write_end = None
    if capture:
        read_end, write_end = os.pipe()

    actions = [
        (os.POSIX_SPAWN_DUP2, devnull, 0),
        (os.POSIX_SPAWN_DUP2, write_end if capture else devnull, 1),
        (os.POSIX_SPAWN_DUP2, stderr.fileno(), 2),
    ]
    start = time.perf_counter()
    try:
        pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
    finally:
        os.close(devnull)
        if capture:
            os.close(write_end)
    output = b""
    if capture:
        with os.fdopen(read_end, "rb") as pipe:
            output = pipe.read()
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start

    if os.waitstatus_to_exitcode(status) != 0:
        stderr.seek(0)
        message = stderr.read().decode(errors="replace").strip()
        raise CommandFailed(f"{shlex.join(argv)} exited with status "
                            f"{os.waitstatus_to_exitcode(status)}:\n{message}")
    return elapsed, usage.ru_maxrss, output.decode()


def measure(row, runs):
    count = len(row.commands)
    for run in range(runs):
        for offset in range(count):
            label, argv = row.commands[(run + offset) % count]
            elapsed, rss, output = run_once(argv, capture=row.kind == "ns")
            if row.kind == "ns":
                sample = float(output.split()[-1])
            else:
                sample = elapsed * 1000
            row.results.setdefault(label, []).append(sample)
            row.memory.setdefault(label, []).append(rss)


def build_rows(build, smoke, scratch):
    hermetic = os.path.join(build, "hermetic")
    hermetic_python = os.path.join(build, "hermetic-python")
    embedded = os.path.join(build, "bench", "python3-embedded")
    bench = HERE
    data = os.path.join(scratch, "data.txt")
    with open(data, "w") as handle:
        handle.write("benchmark data\n")

    opens = "200" if smoke else "100000"
    connects = "50" if smoke else "10000"
    loops = "2000" if smoke else "2000000"
    scale = "1" if smoke else "10"
    root = ["--fs-readonly=" + scratch]
    localhost = ["--no-network", "--allow-localhost"]
    null_hook = [embedded, os.path.join(bench, "baseline.py"), "null-c-hook", os.path.join(build, "bench"), "--"]
    python_hook = [PYTHON, os.path.join(bench, "baseline.py"), "python-hook"]

    def under(options, *program):
        return [hermetic, *options, "--", PYTHON, *program]

    # A venv without the system site-packages: start-up without the .pth
    # files of the machine's Debian packages, which block-all may stop.
    venv = os.path.join(scratch, "venv")
    subprocess.run([PYTHON, "-m", "venv", "--without-pip", venv], check=True)
    venv_python = os.path.join(venv, "bin", "python3")

    event_cost = os.path.join(bench, "event_cost.py")
    return [
        Row("Start-up, `-c pass`", "time", "≤ 1.03 ×", 1.03,
            [("python3", [PYTHON, "-c", "pass"]),
             (EMBEDDER, [embedded, "-c", "pass"]),
             ("hermetic, no policy", under([], "-c", "pass")),
             ("hermetic-python, no policy", [hermetic_python, "-c", "pass"]),
             ("hermetic, block-all", under(["--profile", "block-all"], "-c", "pass")),
             ("hermetic, block-all, --kernel=off", under(["--profile", "block-all", "--kernel=off"], "-c", "pass"))],
            ["hermetic, no policy", "hermetic, block-all"],
            "Start-up is CPython's own: reading the configuration, importing site and the "
            "encodings. hermetic adds its option parsing, the profile, the guard patches and, "
            "under block-all, the seccomp filter and the Landlock rules. On this machine the "
            "system site-packages hold a .pth file that runs exec() at every start; block-all "
            "includes --no-code-exec, which blocks it, and site then prints two tracebacks, so "
            "the block-all lines measure that file more than hermetic. The next row measures "
            "the same start-up without it."),
        Row("Start-up, `-c pass`, in a venv without the system site-packages", "time", "≤ 1.03 ×", 1.03,
            [("python3", [venv_python, "-c", "pass"]),
             ("hermetic, no policy", [hermetic, "--", venv_python, "-c", "pass"]),
             ("hermetic, block-all", [hermetic, "--profile", "block-all", "--", venv_python, "-c", "pass"]),
             ("hermetic, block-all, --kernel=off",
              [hermetic, "--profile", "block-all", "--kernel=off", "--", venv_python, "-c", "pass"])],
            ["hermetic, no policy", "hermetic, block-all"],
            "The same start-up in a venv without the system site-packages, so without the .pth "
            "file of the row above. The difference between the two block-all lines is what the "
            "kernel layer (seccomp and Landlock) adds."),
        Row("Start-up of a real tool, `pip3 --version`", "time", "≤ 1.03 ×", 1.03,
            [("python3", ["/usr/bin/pip3", "--version"]),
             (EMBEDDER, [embedded, "/usr/bin/pip3", "--version"]),
             ("hermetic, no policy", [hermetic, "--", "/usr/bin/pip3", "--version"]),
             ("hermetic, block-all", [hermetic, "--profile", "block-all", "--", "/usr/bin/pip3", "--version"])],
            ["hermetic, no policy", "hermetic, block-all"],
            "pip imports about 100 modules before it prints its version, so the import and "
            "open events of those modules are what hermetic adds here."),
        Row("Start-up of a real tool, `http --version`", "time", "≤ 1.03 ×", 1.03,
            [("python3", ["/usr/bin/http", "--version"]),
             (EMBEDDER, [embedded, "/usr/bin/http", "--version"]),
             ("hermetic, no policy", [hermetic, "--", "/usr/bin/http", "--version"]),
             ("hermetic, block-all", [hermetic, "--profile", "block-all", "--", "/usr/bin/http", "--version"])],
            ["hermetic, no policy", "hermetic, block-all"],
            "httpie imports requests, urllib3 and pygments before it prints its version; as for "
            "pip, hermetic adds the decisions on their import and open events."),
        Row("Import-heavy program (150 standard modules)", "time", "≤ 1.03 ×", 1.03,
            [("python3", [PYTHON, os.path.join(bench, "import_heavy.py")]),
             (EMBEDDER, [embedded, os.path.join(bench, "import_heavy.py")]),
             ("hermetic, no policy", under([], os.path.join(bench, "import_heavy.py"))),
             ("hermetic, block-all", under(["--profile", "block-all"], os.path.join(bench, "import_heavy.py")))],
            ["hermetic, no policy", "hermetic, block-all"],
            "Each import raises import, open and os.listdir events; under block-all the native, "
            "code and filesystem guards decide each one, mostly on the path's text (the standard "
            "library is trusted) without a system call."),
        Row("Event-heavy: 100 000 file opens under `--fs-readonly=ROOT`", "time", "≤ 1.02 ×", 1.02,
            [("python3", [PYTHON, os.path.join(bench, "many_opens.py"), data, opens]),
             (EMBEDDER, [embedded, os.path.join(bench, "many_opens.py"), data, opens]),
             ("hermetic", under(root, os.path.join(bench, "many_opens.py"), data, opens)),
             ("Python audit hook, same policy",
              python_hook + ["--root", scratch, "--", os.path.join(bench, "many_opens.py"), data, opens])],
            ["hermetic"],
            "The first open of a path resolves it with realpath; later opens of the same path "
            "find it in a cache of allowed reads, so each costs one hash and one compare."),
        Row("Event-heavy: 10 000 loopback connects under `--allow-localhost`", "time", "≤ 1.02 ×", 1.02,
            [("python3", [PYTHON, os.path.join(bench, "many_connects.py"), connects]),
             (EMBEDDER, [embedded, os.path.join(bench, "many_connects.py"), connects]),
             ("hermetic", under(localhost, os.path.join(bench, "many_connects.py"), connects)),
             ("Python audit hook, same policy",
              python_hook + ["--allow-localhost", "--", os.path.join(bench, "many_connects.py"), connects])],
            ["hermetic"],
            "A loopback connect and accept costs tens of microseconds in the kernel; "
            "hermetic's decision on the address is a fraction of a microsecond of that."),
        Row("CPU-bound program (calls, dicts, json, re)", "time", "≤ 1.03 ×", 1.03,
            [("python3", [PYTHON, os.path.join(bench, "compute.py"), scale]),
             (EMBEDDER, [embedded, os.path.join(bench, "compute.py"), scale]),
             ("hermetic, no policy", under([], os.path.join(bench, "compute.py"), scale))],
            ["hermetic, no policy"],
            "No events: this row compares the interpreters themselves, so it shows how much "
            "slower a program that computes runs under hermetic whatever its policy."),
        Row("Audit-hook cost, an event no guard watches (`id()`)", "ns", "≤ 30 ns", 30,
            [("python3", [PYTHON, event_cost, "unwatched", loops]),
             (EMBEDDER, [embedded, event_cost, "unwatched", loops]),
             (NULL_HOOK, null_hook + [event_cost, "unwatched", loops]),
             ("hermetic, block-all", under(["--profile", "block-all", "--kernel=off"], event_cost, "unwatched", loops)),
             ("Python audit hook", python_hook + ["--", event_cost, "unwatched", loops])],
            ["hermetic, block-all"],
            "Once any hook is installed CPython builds the event's argument tuple and calls "
            "it; that is the do-nothing C hook's figure, and the target applies to what "
            "hermetic adds over it. hermetic's hook rejects the event after one table lookup "
            "on its first two bytes.",
            reference=NULL_HOOK),
        Row("Audit-hook cost, `open` for reading under `--fs-readonly=ROOT`", "ns", "≤ 150 ns", 150,
            [("python3", [PYTHON, event_cost, "open", loops, data]),
             (EMBEDDER, [embedded, event_cost, "open", loops, data]),
             (NULL_HOOK, null_hook + [event_cost, "open", loops, data]),
             ("hermetic", under(root, event_cost, "open", loops, data)),
             ("Python audit hook, same policy", python_hook + ["--root", scratch, "--", event_cost, "open", loops, data])],
            ["hermetic"],
            "The figure is the cost of one open, read and close. Measured over the same libpython "
            "without a hook, the difference is CPython's dispatch of the event (the do-nothing C "
            "hook's figure) and hermetic's decision, a cache hit after the first open. From one "
            "run of make bench to the next, the medians of this row move by about 30 ns.",
            reference=EMBEDDER),
        Row("Audit-hook cost, loopback `connect` under `--allow-localhost`", "ns", "≤ 150 ns", 150,
            [("python3", [PYTHON, event_cost, "connect", loops]),
             (EMBEDDER, [embedded, event_cost, "connect", loops]),
             (NULL_HOOK, null_hook + [event_cost, "connect", loops]),
             ("hermetic", under(localhost, event_cost, "connect", loops)),
             ("Python audit hook, same policy", python_hook + ["--allow-localhost", "--", event_cost, "connect", loops])],
            ["hermetic"],
            "The loop connects a UDP socket to a loopback address: the same audit event and "
            "checks as a TCP connect, without a handshake, so one call costs about half a "
            "microsecond and hermetic's share stands out of the noise. Measured over the same "
            "libpython without a hook, the figure includes CPython's own dispatch of the event "
            "(the do-nothing C hook's figure), hermetic's connect patch, which looks for a host "
            "name to check before the resolver sees it, and the hook's decision.",
            reference=EMBEDDER),
    ]


def describe_machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    python_version = os.popen(f"{PYTHON} -c 'import sys; print(sys.version.split()[0])'").read().strip()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"{os.cpu_count()} cores, {model}",
        f"Linux {platform.release()}, {platform.machine()}",
        f"{PYTHON}: Python {python_version}, Debian's static build; hermetic embeds "
        "Debian's static libpython3.11.a",
        f"Load average when the run started: {load}",
    ]


def summarize(samples):
    return min(samples), statistics.median(samples), max(samples)


def format_time_row(row):
    lines = []
    base = statistics.median(row.results[row.commands[0][0]])
    base_rss = statistics.median(row.memory[row.commands[0][0]])
    embedder = statistics.median(row.results[EMBEDDER]) if EMBEDDER in row.results else None
    for label, argv in row.commands:
        low, middle, high = summarize(row.results[label])
        rss = statistics.median(row.memory[label])
        ratio = middle / base
        verdict = ""
        if label in row.judged:
            verdict = "meets" if ratio <= row.limit else "**misses**"
        own = f"{middle / embedder:.3f}" if embedder is not None and label != row.commands[0][0] else ""
        lines.append(f"| {label} | `{shlex.join(display(argv))}` | {low:.1f} | {middle:.1f} | {high:.1f} "
                     f"| {ratio:.3f} | {own} | {rss / 1024:.1f} ({rss / base_rss:.3f}) | {verdict} |")
    return lines


def judged_value(row, label):
    """Return the figure a target applies to: the ratio of medians to
    python3 for a time row, the ns per event over the reference for an ns
    row."""
    if row.kind == "time":
        return statistics.median(row.results[label]) / statistics.median(row.results[row.commands[0][0]])
    return own_cost(row, label)


def explain_misses(row):
    """Split each missed ratio into the embedded library's share and
    hermetic's own, measured by the same-libpython command."""
    if EMBEDDER not in row.results:
        return []
    base = statistics.median(row.results[row.commands[0][0]])
    embedder = statistics.median(row.results[EMBEDDER])
    lines = []
    for label in row.judged:
        middle = statistics.median(row.results[label])
        if middle / base <= row.limit:
            continue
        lines += ["", f"{label} misses the target by {middle / base - row.limit:.3f}: Python's own main linked "
                  f"with the same libpython, without hermetic, is already {embedder / base:.3f} × python3, and "
                  f"hermetic adds {middle / embedder:.3f} × to that."]
    return lines


def format_ns_row(row):
    lines = []
    base = statistics.median(row.results[row.commands[0][0]])
    for label, argv in row.commands:
        low, middle, high = summarize(row.results[label])
        extra = middle - base
        verdict = ""
        if label in row.judged:
            verdict = "meets" if own_cost(row, label) <= row.limit else "**misses**"
        lines.append(f"| {label} | `{shlex.join(display(argv))}` | {low:.1f} | {middle:.1f} | {high:.1f} "
                     f"| {extra:+.1f} | {verdict} |")
    return lines


def own_cost(row, label):
    """Return the ns per event a judged command adds over the row's
    reference. For a watched event that is the same libpython without a
    hook, so the figure includes CPython's dispatch. For an unwatched event
    it is the do-nothing C hook, which leaves what hermetic's hook spends."""
    return statistics.median(row.results[label]) - statistics.median(row.results[row.reference])


def display(argv):
    """argv as a reader would type it from the repository's top directory."""
    shown = []
    for arg in argv:
        if arg.startswith(REPO + "/"):
            arg = os.path.relpath(arg, REPO)
        shown.append(arg)
    return shown


def write_report(rows, runs, path, started, seconds, scratch):
    out = ["# Benchmarks", "",
           "hermetic against plain `/usr/bin/python3`, measured in the same run on the same machine "
           "by `make bench` (`bench/run.py`). Do not edit this file by hand: `make bench` rewrites it.",
           "", "## Machine", ""]
    out += [f"- {line}" for line in describe_machine()]
    out += [f"- Run started {started} and took {seconds / 60:.1f} minutes; {runs} alternating runs per "
            "command.", "",
            "## Method", "",
            "Each row's commands run in turn, the first command rotating each round, so a change in the "
            "machine's load affects all of them alike. Times are wall-clock milliseconds per run from "
            "`posix_spawn` to `wait4`, with output sent to /dev/null; the ratio is the median against the "
            "median of python3, and the memory column is the median maximum RSS in MiB with its ratio. "
            "Rows in nanoseconds come from programs that time a loop themselves (`bench/event_cost.py`, "
            "best of several rounds) and print the cost per event; their column is the difference of "
            "medians from python3.", "",
            "hermetic embeds Debian's static `libpython3.11.a`, built from the same PGO-trained objects as "
            "`/usr/bin/python3` but without the link-time optimisation of that executable. The command "
            "\"same libpython, no hermetic\" (`bench/embed.c`, Python's own main linked exactly like "
            "hermetic) measures what that library costs by itself, so the column \"ratio to the same "
            "libpython\" is what hermetic's own work costs.", "",
            "To reproduce a row by hand, run its commands from the repository's top directory after "
            "`make`, for example `hyperfine -N --runs 30 '/usr/bin/python3 -c pass' "
            "'build/hermetic -- /usr/bin/python3 -c pass'`. ROOT in the commands is a temporary "
            "directory holding `data.txt`.", ""]
    out += ["## Summary", "", "| Measure | Target | Command | Result | |", "|---|---|---|---:|---|"]
    for row in rows:
        for label in row.judged:
            value = judged_value(row, label)
            shown = f"{value:.3f} ×" if row.kind == "time" else f"{value:.1f} ns"
            verdict = "meets" if value <= row.limit else "**misses**"
            out.append(f"| {row.name} | {row.target} | {label} | {shown} | {verdict} |")
    out.append("")
    for row in rows:
        out += [f"## {row.name}", "", f"Target: {row.target}.", ""]
        if row.kind == "time":
            out += ["| Command | | min ms | median ms | max ms | ratio to python3 | ratio to the same "
                    "libpython | max RSS MiB (ratio) | target |",
                    "|---|---|---:|---:|---:|---:|---:|---:|---|"]
            out += format_time_row(row)
            out += explain_misses(row)
        else:
            out += ["| Command | | min ns | median ns | max ns | over python3 | target |",
                    "|---|---|---:|---:|---:|---:|---|"]
            out += format_ns_row(row)
            for label in row.judged:
                out += ["", f"{label}: {own_cost(row, label):.1f} ns per event over {row.reference}."]
        out += ["", row.limits, ""]
    text = "\n".join(out).replace(scratch, "ROOT")
    with open(path, "w") as handle:
        handle.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="runs of each command (default 30)")
    parser.add_argument("--build", default=os.path.join(REPO, "build"), help="the build directory")
    parser.add_argument("--output", help="write the report here (Markdown)")
    parser.add_argument("--smoke", action="store_true", help="run each command once with tiny sizes, to check that it works")
    parser.add_argument("--only", help="run only the rows whose name contains this text")
    options = parser.parse_args()

    if not os.access(os.path.join(options.build, "hermetic"), os.X_OK):
        sys.exit(f"bench: {options.build}/hermetic not found: run make first")
    if not os.path.exists(PYTHON):
        sys.exit(f"bench: {PYTHON} not found: install python3")
    runs = 1 if options.smoke else options.runs
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    clock = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hermetic-bench-") as scratch:
        rows = build_rows(os.path.abspath(options.build), options.smoke, os.path.realpath(scratch))
        if options.only:
            rows = [row for row in rows if options.only.lower() in row.name.lower()]
        for row in rows:
            print(f"bench: {row.name} ...", file=sys.stderr, flush=True)
            try:
                measure(row, runs if row.kind == "time" else min(runs, NS_RUNS))
            except CommandFailed as failure:
                sys.exit(f"bench: {failure}")
            report_row(row)
        if options.output:
            write_report(rows, runs, options.output, started, time.monotonic() - clock, os.path.realpath(scratch))
            print(f"bench: wrote {options.output}", file=sys.stderr)


def report_row(row):
    base = statistics.median(row.results[row.commands[0][0]])
    for label, _ in row.commands:
        low, middle, high = summarize(row.results[label])
        if row.kind == "time":
            print(f"  {label:40} min {low:8.1f}  median {middle:8.1f}  max {high:8.1f} ms  ratio {middle / base:.3f}")
        else:
            print(f"  {label:40} min {low:8.1f}  median {middle:8.1f}  max {high:8.1f} ns  over python3 {middle - base:+.1f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
