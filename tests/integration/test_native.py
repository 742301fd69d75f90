"""The native-code guard (--block-native, --allow-native).

A blocked extension module must never be mapped into the process: each
program reads /proc/self/maps after its attempt and prints the mapped files
whose path contains the module's file name. The unguarded control run of
the same program shows that the attempt does map the file without the
guard, so the check can fail.
"""

import json
import shutil
import sysconfig
import textwrap
from pathlib import Path

import pytest

from attempts import describe, outcome_of, relevant_blocked_lines, run_program, write_program

LIB_DYNLOAD = Path("/usr/lib/python3.11/lib-dynload")
SUFFIX = sysconfig.get_config_var("EXT_SUFFIX") or ".cpython-311-x86_64-linux-gnu.so"
DIST_PACKAGES = Path("/usr/lib/python3/dist-packages")
CFFI_BACKEND = DIST_PACKAGES / f"_cffi_backend{SUFFIX}"
YAML_EXTENSION = DIST_PACKAGES / "yaml" / f"_yaml{SUFFIX}"

MAPS_PREFIX = "MAPPED "

SETUP = """
import json

MAPS_PREFIX = {prefix!r}


def report_mapped(fragment):
    with open('/proc/self/maps') as maps:
        files = sorted({{line.split()[-1] for line in maps if fragment in line}})
    print(MAPS_PREFIX + json.dumps(files), flush=True)
"""


def native_program(directory, attempt, fragment, extra_setup=""):
    """Write a program that runs `attempt`, then reports mappings that contain `fragment`."""
    body = f"try:\n{_indent(attempt)}\nfinally:\n    report_mapped({fragment!r})\n"
    setup = SETUP.format(prefix=MAPS_PREFIX) + extra_setup
    return write_program(directory, body, setup=setup)


def _indent(text):
    return textwrap.indent(textwrap.dedent(text).strip("\n"), "    ")


def mapped_files(result):
    for line in result.stdout.splitlines():
        if line.startswith(MAPS_PREFIX):
            return json.loads(line[len(MAPS_PREFIX):])
    raise AssertionError(f"the program printed no {MAPS_PREFIX.strip()} line\n{describe(result)}")


def dynload(module):
    path = LIB_DYNLOAD / f"{module}{SUFFIX}"
    if not path.exists():
        pytest.skip(f"{path} is not installed")
    return path


# name -> (attempt, file name fragment that must not be mapped)
BLOCKED_IMPORTS = {
    "ctypes": ("import ctypes", f"/_ctypes{SUFFIX}"),
    "cffi": ("import cffi\ncffi.FFI()", "/_cffi_backend"),
    "_cffi_backend": ("import _cffi_backend", "/_cffi_backend"),
    "_testcapi": ("import _testcapi", "/_testcapi"),
    "_ctypes_test": ("import _ctypes_test", "/_ctypes_test"),
    "_xxsubinterpreters": ("import _xxsubinterpreters", "/_xxsubinterpreters"),
    "_xxtestfuzz": ("import _xxtestfuzz", "/_xxtestfuzz"),
    "_testinternalcapi": ("import _testinternalcapi", "/_testinternalcapi"),
    "yaml_extension_directly": ("import yaml._yaml", "/yaml/_yaml"),
}


@pytest.mark.parametrize("name", sorted(BLOCKED_IMPORTS))
def test_import_blocked(tmp_path, name):
    attempt, fragment = BLOCKED_IMPORTS[name]
    program = native_program(tmp_path, attempt, fragment)

    result = run_program(program, "--block-native")

    outcome = outcome_of(result)
    assert mapped_files(result) == [], describe(result)
    assert outcome["violation"], outcome
    assert outcome["import_error"], outcome
    assert outcome["guard"] == "native", outcome
    assert outcome["message"].startswith("native code disabled: import("), outcome


@pytest.mark.parametrize("name", sorted(BLOCKED_IMPORTS))
def test_import_maps_extension_unguarded(tmp_path, name):
    attempt, fragment = BLOCKED_IMPORTS[name]
    program = native_program(tmp_path, attempt, fragment)

    result = run_program(program)

    assert outcome_of(result)["raised"] is None, describe(result)
    assert mapped_files(result) != [], describe(result)


def test_ctypes_blocked_message(tmp_path):
    program = native_program(tmp_path, "import ctypes", "/_ctypes")
    path = dynload("_ctypes")

    result = run_program(program, "--block-native")

    message = f"native code disabled: import(_ctypes from {path})"
    assert outcome_of(result)["message"] == message
    assert relevant_blocked_lines(result.stderr) == [f"hermetic: blocked action: {message}"], describe(result)


def test_uncaught_ctypes_import_exits_77(tmp_path):
    program = tmp_path / "uncaught.py"
    program.write_text("import ctypes\n")

    result = run_program(program, "--block-native")

    assert result.returncode == 77, describe(result)
    assert "Traceback" not in result.stderr, describe(result)


def test_yaml_falls_back_to_pure_python(tmp_path):
    program = native_program(
        tmp_path,
        """
        import yaml
        print('with_libyaml', yaml.__with_libyaml__)
        print('loaded', yaml.safe_load('items: [1, 2]'))
        print('dumped', yaml.safe_dump({'a': 1}).strip())
        """,
        "/yaml/_yaml",
    )

    result = run_program(program, "--block-native")

    assert outcome_of(result)["raised"] is None, describe(result)
    assert mapped_files(result) == [], describe(result)
    assert "with_libyaml False" in result.stdout, describe(result)
    assert "loaded {'items': [1, 2]}" in result.stdout, describe(result)
    assert "dumped a: 1" in result.stdout, describe(result)
    assert result.returncode == 0, describe(result)
    assert relevant_blocked_lines(result.stderr) == [
        f"hermetic: blocked action: native code disabled: import(yaml._yaml from {YAML_EXTENSION})"
    ], describe(result)


def test_allow_native_yaml_loads_extension(tmp_path):
    program = native_program(
        tmp_path,
        "import yaml\nprint('with_libyaml', yaml.__with_libyaml__)\nprint(yaml.load('a: 1', Loader=yaml.CSafeLoader))",
        "/yaml/_yaml",
    )

    result = run_program(program, "--block-native", "--allow-native", "yaml")

    assert outcome_of(result)["raised"] is None, describe(result)
    assert mapped_files(result) == [str(YAML_EXTENSION)], describe(result)
    assert "with_libyaml True" in result.stdout, describe(result)
    assert "{'a': 1}" in result.stdout, describe(result)
    assert relevant_blocked_lines(result.stderr) == [], describe(result)


def test_allow_native_yaml_keeps_ctypes_blocked(tmp_path):
    program = native_program(tmp_path, "import ctypes", "/_ctypes")

    result = run_program(program, "--block-native", "--allow-native", "yaml")

    outcome = outcome_of(result)
    assert mapped_files(result) == [], describe(result)
    assert outcome["violation"], outcome


def test_allow_native_ctypes_works(tmp_path):
    program = native_program(
        tmp_path,
        """
        import ctypes
        import os
        libc = ctypes.CDLL('libc.so.6')
        print('getpid matches', libc.getpid() == os.getpid())
        print('c_int', ctypes.c_int(41).value + 1)
        """,
        f"/_ctypes{SUFFIX}",
    )

    result = run_program(program, "--block-native", "--allow-native", "ctypes")

    assert outcome_of(result)["raised"] is None, describe(result)
    assert mapped_files(result) == [str(dynload("_ctypes"))], describe(result)
    assert "getpid matches True" in result.stdout, describe(result)
    assert "c_int 42" in result.stdout, describe(result)
    assert relevant_blocked_lines(result.stderr) == [], describe(result)


def test_allow_native_cffi_works(tmp_path):
    program = native_program(
        tmp_path,
        """
        import cffi
        ffi = cffi.FFI()
        print('sizeof int', ffi.sizeof('int'))
        """,
        "/_cffi_backend",
    )

    result = run_program(program, "--block-native", "--allow-native", "cffi")

    assert outcome_of(result)["raised"] is None, describe(result)
    assert mapped_files(result) == [str(CFFI_BACKEND)], describe(result)
    assert "sizeof int 4" in result.stdout, describe(result)


# ----- extension files loaded by path -----


def spec_attempt(name, path):
    return f"""
        import importlib.util
        spec = importlib.util.spec_from_file_location({name!r}, {str(path)!r})
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    """


def test_spec_from_file_location_renamed_testcapi(tmp_path):
    """lib-dynload's _testcapi loaded under the name of a trusted module is still _testcapi."""
    path = dynload("_testcapi")
    program = native_program(tmp_path, spec_attempt("_json", path), "/_testcapi")

    unguarded = run_program(program)
    assert mapped_files(unguarded) != [], describe(unguarded)

    result = run_program(program, "--block-native")

    outcome = outcome_of(result)
    assert mapped_files(result) == [], describe(result)
    assert outcome["violation"], outcome
    assert outcome["import_error"], outcome


def test_spec_from_file_location_submodule_name(tmp_path):
    """A dotted name whose last part is _testcapi finds PyInit__testcapi."""
    path = dynload("_testcapi")
    program = native_program(tmp_path, spec_attempt("package._testcapi", path), "/_testcapi")

    unguarded = run_program(program)
    assert mapped_files(unguarded) != [], describe(unguarded)

    result = run_program(program, "--block-native")

    outcome = outcome_of(result)
    assert mapped_files(result) == [], describe(result)
    assert outcome["violation"], outcome


def test_spec_from_file_location_copy_outside_dynload(tmp_path):
    """A copy of a trusted module's file elsewhere is not the standard library."""
    copy = tmp_path / f"_json{SUFFIX}"
    shutil.copy(dynload("_json"), copy)
    program = native_program(tmp_path, spec_attempt("_json", copy), str(copy))

    unguarded = run_program(program)
    assert mapped_files(unguarded) == [str(copy)], describe(unguarded)

    result = run_program(program, "--block-native")

    outcome = outcome_of(result)
    assert mapped_files(result) == [], describe(result)
    assert outcome["violation"], outcome
    assert outcome["import_error"], outcome


def test_spec_from_file_location_copy_renamed(tmp_path):
    """_testcapi copied under a harmless file name, loaded by its real module name."""
    copy = tmp_path / f"harmless{SUFFIX}"
    shutil.copy(dynload("_testcapi"), copy)
    program = native_program(tmp_path, spec_attempt("_testcapi", copy), str(copy))

    unguarded = run_program(program)
    assert mapped_files(unguarded) != [], describe(unguarded)

    result = run_program(program, "--block-native")

    outcome = outcome_of(result)
    assert mapped_files(result) == [], describe(result)
    assert outcome["violation"], outcome


def test_symlink_named_like_trusted_module(tmp_path):
    """A link named _json...so that points at lib-dynload's _testcapi is decided on its target."""
    link = tmp_path / f"_json{SUFFIX}"
    link.symlink_to(dynload("_testcapi"))
    program = native_program(tmp_path, spec_attempt("_testcapi", link), "/_testcapi")

    unguarded = run_program(program)
    assert mapped_files(unguarded) != [], describe(unguarded)

    result = run_program(program, "--block-native")

    outcome = outcome_of(result)
    assert mapped_files(result) == [], describe(result)
    assert outcome["violation"], outcome


def test_extension_on_sys_path_outside_dynload(tmp_path):
    """A copied extension found by a plain import from the script's directory."""
    shutil.copy(dynload("xxlimited"), tmp_path / f"xxlimited{SUFFIX}")
    program = native_program(tmp_path, "import xxlimited\nprint(xxlimited.__file__)", str(tmp_path))

    unguarded = run_program(program)
    assert str(tmp_path / f"xxlimited{SUFFIX}") in unguarded.stdout, describe(unguarded)

    result = run_program(program, "--block-native")

    outcome = outcome_of(result)
    assert mapped_files(result) == [], describe(result)
    assert outcome["violation"], outcome
    assert outcome["import_error"], outcome


# ----- SQLite extension loading -----


def test_sqlite_enable_load_extension_blocked(tmp_path):
    program = write_program(
        tmp_path,
        """
        import sqlite3
        sqlite3.connect(':memory:').enable_load_extension(True)
        """,
    )

    unguarded = run_program(program)
    assert outcome_of(unguarded)["raised"] is None, describe(unguarded)

    result = run_program(program, "--block-native")

    outcome = outcome_of(result)
    assert outcome["violation"], outcome
    assert outcome["message"] == "native code disabled: sqlite3.enable_load_extension(True)", outcome


def test_sqlite_disable_load_extension_allowed(tmp_path):
    program = write_program(
        tmp_path,
        """
        import sqlite3
        sqlite3.connect(':memory:').enable_load_extension(False)
        """,
    )

    result = run_program(program, "--block-native")

    assert outcome_of(result)["raised"] is None, describe(result)
    assert relevant_blocked_lines(result.stderr) == [], describe(result)


def test_sqlite_load_extension_after_enable_blocked(tmp_path):
    """With the enable call blocked, load_extension is refused by SQLite itself and loads nothing."""
    program = native_program(
        tmp_path,
        """
        import sqlite3
        connection = sqlite3.connect(':memory:')
        try:
            connection.enable_load_extension(True)
        except Exception as exc:
            print('enable raised', type(exc).__name__)
        connection.load_extension('/nonexistent/extension')
        """,
        "/nonexistent",
    )

    result = run_program(program, "--block-native")

    outcome = outcome_of(result)
    assert "enable raised PolicyViolation" in result.stdout, describe(result)
    assert outcome["raised"] is not None, outcome
    assert mapped_files(result) == [], describe(result)


# ----- the standard library keeps working -----

STANDARD_EXTENSIONS = {
    "_json": "import json, _json\nassert json.decoder.c_scanstring is not None",
    "_decimal": "import decimal, _decimal\nassert decimal.Decimal is _decimal.Decimal",
    "_asyncio": "import asyncio, _asyncio\nassert asyncio.Future is _asyncio.Future",
    "_ssl": "import ssl, _ssl\nssl.create_default_context()",
    "_sqlite3": "import sqlite3\nsqlite3.connect(':memory:').execute('select 1').fetchall()",
    "_hashlib": "import hashlib, _hashlib\nhashlib.sha256(b'x').hexdigest()",
    "mmap": "import mmap\nmmap.mmap(-1, 16)[0:1]",
    "_zoneinfo": "import zoneinfo, _zoneinfo\nassert zoneinfo.ZoneInfo is _zoneinfo.ZoneInfo",
}


@pytest.mark.parametrize("module", sorted(STANDARD_EXTENSIONS))
def test_standard_extension_loads(tmp_path, module):
    path = dynload(module)
    program = native_program(tmp_path, STANDARD_EXTENSIONS[module], f"/{module}{SUFFIX}")

    result = run_program(program, "--block-native")

    assert outcome_of(result)["raised"] is None, describe(result)
    assert mapped_files(result) == [str(path)], describe(result)
    assert relevant_blocked_lines(result.stderr) == [], describe(result)
