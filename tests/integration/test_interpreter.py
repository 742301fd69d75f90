"""The interpreter guard: --no-interpreter-mutation.

Each technique changes sys.path, sys.meta_path, sys.path_hooks or the
current directory. After the attempt the program reports whether each list
is still the same object with the same items, and the current directory.
It then probes whether the change took effect: a module in the would-be
added directory (ADDED) is imported, which also consults every meta path
finder, and a path entry is looked up, which consults every path hook.
The module, the finder and the hook append their name to a marker file
when they run. The blocked test checks that nothing changed and nothing
ran. The unguarded control run checks that the technique does change
something.

The standard library and Debian's tools change these themselves (the
import system's caches, pydoc, shutil.make_archive, unittest, pytest), and
they must keep working.
"""

import re
import textwrap

import pytest
import yaml

from attempts import describe, outcome_of, relevant_blocked_lines, run_hermetic, run_program, write_program
from conftest import PYTHON, clean_env, run, strip_start_up_noise

LISTS = ("path", "meta_path", "path_hooks")

SETUP = """
import importlib.machinery
import os
import sys

ADDED = {added!r}
MARKER = {marker!r}
START = os.getcwd()
ORIGINAL = {{name: getattr(sys, name) for name in {lists!r}}}
BEFORE = {{name: tuple(value) for name, value in ORIGINAL.items()}}


def record(what):
    with open(MARKER, "a") as stream:
        stream.write(what + "\\n")


class MarkerFinder:
    # A meta path finder that records each lookup and finds nothing.
    def find_spec(self, name, path=None, target=None):
        record("MarkerFinder")
        return None


def marker_hook(entry):
    # A path hook that records each call and accepts no entry.
    record("marker_hook")
    raise ImportError(entry)


def report_state():
    for name in ORIGINAL:
        live = getattr(sys, name)
        print("UNCHANGED", name, live is ORIGINAL[name] and tuple(live) == BEFORE[name])
    print("CWD", os.getcwd())


def probe():
    try:
        import addedmod
    except ImportError:
        pass
    importlib.machinery.PathFinder.find_spec("hermetic_probe", ["/nonexistent/hermetic-probe"])
"""

BODY_TEMPLATE = """
try:
{technique}
finally:
    report_state()
    probe()
"""


def make_added(tmp_path):
    """Create ADDED with a module and a .pth file that record their execution."""
    added = tmp_path / "added"
    added.mkdir()
    marker = tmp_path / "executed"
    (added / "addedmod.py").write_text(f"with open({str(marker)!r}, 'a') as stream:\n    stream.write('addedmod\\n')\n")
    (added / "hermetic_test.pth").write_text(
        f"import os; open({str(marker)!r}, 'a').write('pth\\n')\n"
    )
    return added, marker


def executed(marker):
    return marker.read_text().splitlines() if marker.exists() else []


def state_of(result):
    """Return {list name: unchanged?} and the final directory that the program reported."""
    unchanged, cwd = {}, None
    for line in result.stdout.splitlines():
        if line.startswith("UNCHANGED "):
            _, name, value = line.split(" ")
            unchanged[name] = value == "True"
        elif line.startswith("CWD "):
            cwd = line[len("CWD "):]
    if len(unchanged) != len(LISTS) or cwd is None:
        raise AssertionError(f"the program reported no state\n{describe(result)}")
    return unchanged, cwd


def technique_program(tmp_path, technique):
    """Write the program for `technique`; return it, ADDED, the marker and the scripts directory."""
    added, marker = make_added(tmp_path)
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    setup = SETUP.format(added=str(added), marker=str(marker), lists=LISTS)
    body = BODY_TEMPLATE.format(technique=textwrap.indent(textwrap.dedent(technique).strip("\n"), "    "))
    return write_program(scripts, body, setup=setup), added, marker, scripts


# Operation -> code, with {list} for the list and {item} for what it adds.
OPERATIONS = {
    "append": "{list}.append({item})",
    "insert": "{list}.insert(0, {item})",
    "extend": "{list}.extend([{item}])",
    "remove": "{list}.remove({list}[-1])",
    "pop": "{list}.pop()",
    "clear": "{list}.clear()",
    "sort": "order = {{id(entry): -index for index, entry in enumerate({list})}}\n"
    "{list}.sort(key=lambda entry: order[id(entry)])",
    "reverse": "{list}.reverse()",
    "setitem": "{list}[0] = {item}",
    "setitem_slice": "{list}[:] = [{item}] + list({list})",
    "delitem": "del {list}[0]",
    "iadd": "{list} += [{item}]",
    "imul": "{list} *= 2",
}

ITEMS = {"path": "ADDED", "meta_path": "MarkerFinder()", "path_hooks": "marker_hook"}

LIST_CASES = [(name, operation) for name in LISTS for operation in OPERATIONS]


def list_technique(name, operation):
    return OPERATIONS[operation].format(list=f"sys.{name}", item=ITEMS[name])


@pytest.mark.parametrize("name, operation", LIST_CASES, ids=[f"{n}-{o}" for n, o in LIST_CASES])
def test_list_change_blocked(tmp_path, name, operation):
    program, _, marker, _ = technique_program(tmp_path, list_technique(name, operation))

    result = run_program(program, "--no-interpreter-mutation")

    outcome = outcome_of(result)
    unchanged, _ = state_of(result)
    assert all(unchanged.values()), describe(result)
    assert executed(marker) == [], describe(result)
    assert outcome["violation"], outcome
    assert outcome["guard"] == "interpreter", outcome
    assert outcome["message"] == f"interpreter mutation disabled: sys.{name}", outcome


@pytest.mark.parametrize("name, operation", LIST_CASES, ids=[f"{n}-{o}" for n, o in LIST_CASES])
def test_list_change_unguarded(tmp_path, name, operation):
    """The same program without the guard changes the list."""
    program, _, _, _ = technique_program(tmp_path, list_technique(name, operation))

    result = run_program(program)

    unchanged, _ = state_of(result)
    assert outcome_of(result)["raised"] is None, describe(result)
    assert not unchanged[name], describe(result)


# An import that consults every finder and fails without a change to the lists.
# A PolicyViolation is an ImportError but not a ModuleNotFoundError.
IMPORT_MISSING = """
try:
    import hermetic_missing_module
except ModuleNotFoundError:
    pass"""

# name -> (technique, the list the message names). Each passes the list
# subclass's own checks, so the import that follows must find the change.
BYPASS_TECHNIQUES = {
    "list_append_path": ("list.append(sys.path, ADDED)\nimport addedmod", "path"),
    "list_insert_path": ("list.insert(sys.path, 0, ADDED)\nimport addedmod", "path"),
    "list_setitem_path": ("list.__setitem__(sys.path, slice(None), [ADDED])\nimport addedmod", "path"),
    "rebind_path": ("sys.path = [ADDED] + list(sys.path)\nimport addedmod", "path"),
    "list_insert_meta_path": ("list.insert(sys.meta_path, 0, MarkerFinder())" + IMPORT_MISSING, "meta_path"),
    "rebind_meta_path": ("sys.meta_path = [MarkerFinder()] + list(sys.meta_path)" + IMPORT_MISSING, "meta_path"),
    "list_insert_path_hooks": ("list.insert(sys.path_hooks, 0, marker_hook)" + IMPORT_MISSING, "path_hooks"),
    "rebind_path_hooks": ("sys.path_hooks = [marker_hook] + list(sys.path_hooks)" + IMPORT_MISSING, "path_hooks"),
}


@pytest.mark.parametrize("name", sorted(BYPASS_TECHNIQUES))
def test_list_bypass_refused_at_import(tmp_path, name):
    """The import raises with a changed list and puts the original back."""
    technique, label = BYPASS_TECHNIQUES[name]
    program, _, marker, _ = technique_program(tmp_path, technique)

    result = run_program(program, "--no-interpreter-mutation")

    outcome = outcome_of(result)
    unchanged, _ = state_of(result)
    assert all(unchanged.values()), describe(result)
    assert executed(marker) == [], describe(result)
    assert outcome["violation"], outcome
    assert outcome["import_error"], outcome
    assert outcome["message"] == f"interpreter mutation disabled: sys.{label}", outcome


@pytest.mark.parametrize("name", sorted(BYPASS_TECHNIQUES))
def test_list_bypass_unguarded(tmp_path, name):
    technique, label = BYPASS_TECHNIQUES[name]
    program, _, marker, _ = technique_program(tmp_path, technique)

    result = run_program(program)

    unchanged, _ = state_of(result)
    assert outcome_of(result)["raised"] is None, describe(result)
    assert not unchanged[label], describe(result)
    assert executed(marker) != [], describe(result)


# name -> technique. Each changes the current directory to ADDED.
CHDIR_TECHNIQUES = {
    "os_chdir": "os.chdir(ADDED)",
    "os_fchdir": "os.fchdir(os.open(ADDED, os.O_RDONLY))",
    "posix_chdir": "import posix\nposix.chdir(ADDED)",
    "os_chdir_path_object": "import pathlib\nos.chdir(pathlib.Path(ADDED))",
}


@pytest.mark.parametrize("name", sorted(CHDIR_TECHNIQUES))
def test_chdir_blocked(tmp_path, name):
    program, _, _, scripts = technique_program(tmp_path, CHDIR_TECHNIQUES[name])

    result = run_program(program, "--no-interpreter-mutation", cwd=scripts)

    outcome = outcome_of(result)
    _, cwd = state_of(result)
    assert cwd == str(scripts), describe(result)
    assert outcome["violation"], outcome
    assert outcome["guard"] == "interpreter", outcome
    assert outcome["message"] == "interpreter mutation disabled: chdir", outcome


@pytest.mark.parametrize("name", sorted(CHDIR_TECHNIQUES))
def test_chdir_unguarded(tmp_path, name):
    program, added, _, scripts = technique_program(tmp_path, CHDIR_TECHNIQUES[name])

    result = run_program(program, cwd=scripts)

    _, cwd = state_of(result)
    assert outcome_of(result)["raised"] is None, describe(result)
    assert cwd == str(added), describe(result)


def test_addsitedir_blocked(tmp_path):
    """site.addsitedir neither adds ADDED nor runs the .pth file in it."""
    program, _, marker, _ = technique_program(tmp_path, "import site\nsite.addsitedir(ADDED)")

    result = run_program(program, "--no-interpreter-mutation")

    outcome = outcome_of(result)
    unchanged, _ = state_of(result)
    assert executed(marker) == [], describe(result)
    assert unchanged["path"], describe(result)
    assert outcome["violation"], outcome
    assert outcome["message"] == "interpreter mutation disabled: sys.path", outcome


def test_addsitedir_unguarded(tmp_path):
    program, _, marker, _ = technique_program(tmp_path, "import site\nsite.addsitedir(ADDED)")

    result = run_program(program)

    assert outcome_of(result)["raised"] is None, describe(result)
    assert executed(marker) == ["pth", "addedmod"], describe(result)


def test_uncaught_change_exits_77(tmp_path):
    program = tmp_path / "uncaught.py"
    program.write_text("import sys\nsys.path.append('/tmp')\n")

    result = run_program(program, "--no-interpreter-mutation")

    assert result.returncode == 77, describe(result)
    assert relevant_blocked_lines(result.stderr) == [
        "hermetic: blocked action: interpreter mutation disabled: sys.path"
    ], describe(result)


# ----- what the standard library and Debian's tools change themselves -----

CACHE_PROGRAM = """\
import sys

cached = set(sys.path_importer_cache)
loaded = set(sys.modules)
import ownpackage.sub
import xml.dom.minidom

print("cache", sorted(entry for entry in set(sys.path_importer_cache) - cached if "ownpackage" in entry))
print("stdlib cache", any(entry.endswith("/xml/dom") for entry in set(sys.path_importer_cache) - cached))
print("modules", sorted(name for name in set(sys.modules) - loaded if name.startswith(("ownpackage", "xml.dom"))))
"""


def test_import_caches_fill(tmp_path):
    """sys.path_importer_cache and sys.modules fill as under python3."""
    package = tmp_path / "lib" / "ownpackage"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub.py").write_text("")
    program = tmp_path / "caches.py"
    program.write_text(CACHE_PROGRAM)
    env = clean_env(PYTHONPATH=str(tmp_path / "lib"))
    plain = run([PYTHON, program], env=env)

    result = run_hermetic(["--no-interpreter-mutation", "--", PYTHON, program], env=env)

    assert result.returncode == 0, describe(result)
    assert result.stdout == plain.stdout, describe(result)
    assert f"cache ['{package}']" in result.stdout, describe(result)
    assert "stdlib cache True" in result.stdout, describe(result)


LOCAL_MODULE = '''\
"""A module that pydoc3 finds only in the current directory."""


def greet(name):
    """Return a greeting for name."""
    return "hello " + name
'''


def test_pydoc3_finds_current_directory(tmp_path):
    """pydoc3 inserts the current directory into sys.path itself."""
    (tmp_path / "localmodule.py").write_text(LOCAL_MODULE)
    plain = run(["/usr/bin/pydoc3", "localmodule"], cwd=tmp_path)

    result = run_hermetic(["--no-interpreter-mutation", "--", "/usr/bin/pydoc3", "localmodule"], cwd=tmp_path)

    assert result.returncode == 0, describe(result)
    assert result.stdout == plain.stdout, describe(result)
    assert "A module that pydoc3 finds only in the current directory." in result.stdout, describe(result)
    assert relevant_blocked_lines(result.stderr) == [], describe(result)


ARCHIVE_PROGRAM = """\
import os
import shutil
import tarfile

START = os.getcwd()
ROOT = os.path.abspath("content")


def listing(base_name, base_dir, **options):
    # An archive format without root_dir support, so make_archive changes into ROOT.
    print("format cwd is root", os.getcwd() == ROOT)
    with open(base_name + ".txt", "w") as stream:
        stream.write(" ".join(sorted(os.listdir(base_dir))))
    return base_name + ".txt"


shutil.register_archive_format("listing", listing)
made = shutil.make_archive(os.path.join(START, "out", "listing"), "listing", root_dir=ROOT)
print("listing", os.path.relpath(made, START), open(made).read())
print("cwd restored", os.getcwd() == START)
made = shutil.make_archive(os.path.join(START, "out", "files"), "gztar", root_dir=ROOT)
with tarfile.open(made) as archive:
    print("gztar", sorted(archive.getnames()))
"""


def test_make_archive_changes_directory(tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "a.txt").write_text("a")
    (tmp_path / "content" / "b.txt").write_text("b")
    (tmp_path / "out").mkdir()
    program = tmp_path / "archive.py"
    program.write_text(ARCHIVE_PROGRAM)
    plain = run([PYTHON, program], cwd=tmp_path)

    result = run_hermetic(["--no-interpreter-mutation", "--", PYTHON, program], cwd=tmp_path)

    assert result.returncode == 0, describe(result)
    assert result.stdout == plain.stdout, describe(result)
    assert "format cwd is root True" in result.stdout, describe(result)
    assert "listing out/listing.txt a.txt b.txt" in result.stdout, describe(result)
    assert relevant_blocked_lines(result.stderr) == [], describe(result)


def make_project(tmp_path):
    """Create a test project whose tests import a helper beside them."""
    tests = tmp_path / "project" / "tests"
    tests.mkdir(parents=True)
    (tests / "helper.py").write_text("def double(value):\n    return 2 * value\n")
    (tests / "test_helper.py").write_text(
        "import unittest\n\nimport helper\n\n\n"
        "class HelperTest(unittest.TestCase):\n"
        "    def test_double(self):\n        self.assertEqual(helper.double(2), 4)\n\n"
        "    def test_double_negative(self):\n        self.assertEqual(helper.double(-1), -2)\n"
    )
    return tmp_path / "project"


def without_timing(text):
    return re.sub(r"in \d+\.\d+s", "in TIME", text)


def test_unittest_discovery(tmp_path):
    """unittest discovery inserts the start directory into sys.path."""
    project = make_project(tmp_path)
    command = [PYTHON, "-m", "unittest", "discover", "-s", "tests", "-v"]
    plain = run(command, cwd=project)

    result = run_hermetic(["--no-interpreter-mutation", "--", *command], cwd=project)

    assert result.returncode == 0, describe(result)
    assert without_timing(result.stderr) == without_timing(plain.stderr), describe(result)
    assert "Ran 2 tests" in result.stderr, describe(result)


def test_debian_pytest(tmp_path):
    """Debian's pytest inserts the test directory into sys.path for its imports."""
    project = make_project(tmp_path)

    result = run_hermetic(
        ["--no-interpreter-mutation", "--", "/usr/bin/pytest", "-p", "no:cacheprovider", "-q", "tests"], cwd=project
    )

    assert result.returncode == 0, describe(result)
    assert "2 passed" in result.stdout, describe(result)
    assert relevant_blocked_lines(result.stderr) == [], describe(result)


# ----- block-all -----

@pytest.mark.parametrize(
    "section, key",
    [("environment", "scrub"), ("code_exec", "block"), ("interpreter", "block_mutation")],
)
def test_block_all_shows_guard(section, key):
    result = run_hermetic(["--profile", "block-all", "--show-policy"])

    assert result.returncode == 0, describe(result)
    assert yaml.safe_load(result.stdout)[section][key] is True, describe(result)


def test_block_all_blocks_path_change(tmp_path):
    program, _, marker, _ = technique_program(tmp_path, list_technique("path", "append"))

    result = run_program(program, "--profile", "block-all")

    unchanged, _ = state_of(result)
    assert unchanged["path"], describe(result)
    assert outcome_of(result)["guard"] == "interpreter", describe(result)


# pip imports its vendored urllib3, whose import-time IPv6 probe binds a
# socket to ::1 port 0, which block-all rejects. urllib3 then assumes no IPv6.
# urllib3 probes IPv6 at import: a bind to ::1, or, where block-all's
# kernel layer refuses IP sockets, the socket itself.
URLLIB3_IPV6_PROBE = {
    "hermetic: blocked action: network disabled: bind(::1)",
    "hermetic: blocked action: network disabled: socket(AF_INET6)",
}


def tool_env(**extra):
    # No pip self-version check, so pip never tries the network.
    return clean_env(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INDEX="1", **extra)


def test_pip3_version_under_block_all():
    plain = run(["/usr/bin/pip3", "--version"], env=tool_env())

    result = run_hermetic(["--profile", "block-all", "--", "/usr/bin/pip3", "--version"], env=tool_env())

    assert result.returncode == 0, describe(result)
    assert result.stdout == plain.stdout, describe(result)
    assert set(relevant_blocked_lines(result.stderr)) <= URLLIB3_IPV6_PROBE, describe(result)


def test_pydoc3_json_under_block_all():
    plain = run(["/usr/bin/pydoc3", "json"], env=tool_env())

    result = run_hermetic(["--profile", "block-all", "--", "/usr/bin/pydoc3", "json"], env=tool_env())

    addresses = re.compile(r"0x[0-9a-f]+")
    assert result.returncode == 0, describe(result)
    assert addresses.sub("0x", result.stdout) == addresses.sub("0x", plain.stdout), describe(result)
    assert relevant_blocked_lines(result.stderr) == [], describe(result)


def test_debian_pytest_under_block_all(tmp_path):
    project = make_project(tmp_path)
    temp = tmp_path / "tmp"
    temp.mkdir()

    result = run_hermetic(
        ["--profile", "block-all", "--allow-write", tmp_path, "--", "/usr/bin/pytest", "-p", "no:cacheprovider",
         "-q", "tests"],
        env=clean_env(TMPDIR=str(temp)),
        cwd=project,
    )

    assert result.returncode == 0, describe(result)
    assert "2 passed" in result.stdout, describe(result)
    assert relevant_blocked_lines(strip_start_up_noise(result.stderr)) == [], describe(result)

