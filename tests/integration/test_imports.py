"""The import guard: --deny-import MODULE.

The denied modules of most tests are the test's own, in a directory on
PYTHONPATH, and each appends its name to a marker file when its code runs.
The blocked test checks that the marker file does not name the module and
that the program saw a hermetic.PolicyViolation that is also an
ImportError. The unguarded test runs the same program without the option
and checks that the module ran, so a technique that fails for another
reason cannot pass the blocked test by accident.

Standard library modules show the effect in sys.modules instead: a denied
module never appears there.
"""

import sys
import textwrap

import pytest
import yaml

from attempts import describe, outcome_of, relevant_blocked_lines, run_hermetic, run_program, write_program
from conftest import EXIT_BLOCKED, EXIT_USAGE, PYTHON, clean_env, run

SETUP = """
import importlib
import importlib.machinery
import importlib.util
import os
import sys

LIB = {lib!r}
MODULE_FILE = os.path.join(LIB, "deniedmod.py")


def loaded(prefix):
    # The names in sys.modules of module `prefix` and its submodules.
    return sorted(name for name in sys.modules if name == prefix or name.startswith(prefix + "."))
"""


def module_source(marker, name):
    return f"with open({str(marker)!r}, 'a') as stream:\n    stream.write({name!r} + '\\n')\nVALUE = 1\n"


def make_lib(tmp_path):
    """Create the modules that record their execution; return (lib, marker)."""
    lib = tmp_path / "lib"
    (lib / "deniedpkg").mkdir(parents=True)
    marker = tmp_path / "executed"
    (lib / "deniedmod.py").write_text(module_source(marker, "deniedmod"))
    (lib / "deniedpkg" / "__init__.py").write_text(module_source(marker, "deniedpkg"))
    (lib / "deniedpkg" / "sub.py").write_text(module_source(marker, "deniedpkg.sub"))
    return lib, marker


def executed(marker):
    """Return the names of the modules that ran, in order."""
    return marker.read_text().splitlines() if marker.exists() else []


def lib_program(tmp_path, body):
    lib, marker = make_lib(tmp_path)
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    program = write_program(scripts, body, setup=SETUP.format(lib=str(lib)))
    return program, marker, clean_env(PYTHONPATH=str(lib))


# name -> body. Each body runs the code of deniedmod.
TECHNIQUES = {
    "import_statement": "import deniedmod",
    "from_import": "from deniedmod import VALUE",
    "dunder_import": "__import__('deniedmod')",
    "importlib_dunder_import": "importlib.__import__('deniedmod')",
    "import_module": "importlib.import_module('deniedmod')",
    "gcd_import": "importlib._bootstrap._gcd_import('deniedmod')",
    "module_from_spec": """
        spec = importlib.util.find_spec("deniedmod")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    """,
    "source_loader_other_name": """
        loader = importlib.machinery.SourceFileLoader("innocent", MODULE_FILE)
        spec = importlib.util.spec_from_loader("innocent", loader)
        loader.exec_module(importlib.util.module_from_spec(spec))
    """,
    "source_loader_load_module": """
        import warnings
        warnings.simplefilter("ignore", DeprecationWarning)
        importlib.machinery.SourceFileLoader("innocent", MODULE_FILE).load_module()
    """,
    "spec_from_file_location": """
        spec = importlib.util.spec_from_file_location("innocent", MODULE_FILE)
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    """,
    "runpy_run_module": "import runpy\nrunpy.run_module('deniedmod')",
    "runpy_run_path": "import runpy\nrunpy.run_path(MODULE_FILE)",
}


@pytest.mark.parametrize("name", sorted(TECHNIQUES))
def test_import_blocked(tmp_path, name):
    program, marker, env = lib_program(tmp_path, TECHNIQUES[name])

    result = run_program(program, "--deny-import", "deniedmod", env=env)

    outcome = outcome_of(result)
    assert executed(marker) == [], describe(result)
    assert outcome["violation"], outcome
    assert outcome["import_error"], outcome
    assert outcome["guard"] == "imports", outcome
    assert outcome["message"] == "import denied: deniedmod", outcome
    assert result.returncode == 0, describe(result)


@pytest.mark.parametrize("name", sorted(TECHNIQUES))
def test_import_runs_unguarded(tmp_path, name):
    """The same program without --deny-import runs the module."""
    program, marker, env = lib_program(tmp_path, TECHNIQUES[name])

    result = run_program(program, env=env)

    assert outcome_of(result)["raised"] is None, describe(result)
    assert executed(marker) == ["deniedmod"], describe(result)


def test_blocked_import_reported(tmp_path):
    program, _, env = lib_program(tmp_path, TECHNIQUES["import_statement"])

    result = run_program(program, "--deny-import", "deniedmod", env=env)

    assert relevant_blocked_lines(result.stderr) == ["hermetic: blocked action: import denied: deniedmod"], describe(
        result
    )


def test_uncaught_import_exits_77(tmp_path):
    lib, marker = make_lib(tmp_path)
    program = tmp_path / "uncaught.py"
    program.write_text("import deniedmod\n")

    result = run_program(program, "--deny-import", "deniedmod", env=clean_env(PYTHONPATH=str(lib)))

    assert executed(marker) == [], describe(result)
    assert result.returncode == EXIT_BLOCKED, describe(result)
    assert "Traceback" not in result.stderr, describe(result)


def test_profile_denies_import(tmp_path):
    program, marker, env = lib_program(tmp_path, TECHNIQUES["import_module"])
    profile = tmp_path / "deny.yaml"
    profile.write_text("version: 1\nimports: {deny: [deniedmod]}\n")

    result = run_program(program, "--profile", profile, env=env)

    assert executed(marker) == [], describe(result)
    assert outcome_of(result)["guard"] == "imports", describe(result)


# ----- packages and submodules -----

# name -> (body, denied module, module that must not run).
SUBMODULE_CASES = {
    "package_blocks_submodule": ("import deniedpkg.sub", "deniedpkg", "deniedpkg"),
    "package_blocks_from_import": ("from deniedpkg import sub", "deniedpkg", "deniedpkg"),
    "submodule_statement": ("import deniedpkg.sub", "deniedpkg.sub", "deniedpkg.sub"),
    "submodule_from_import": ("from deniedpkg import sub", "deniedpkg.sub", "deniedpkg.sub"),
    "submodule_import_module": ("importlib.import_module('deniedpkg.sub')", "deniedpkg.sub", "deniedpkg.sub"),
}


@pytest.mark.parametrize("name", sorted(SUBMODULE_CASES))
def test_submodule_blocked(tmp_path, name):
    body, denied, forbidden = SUBMODULE_CASES[name]
    program, marker, env = lib_program(tmp_path, body)

    result = run_program(program, "--deny-import", denied, env=env)

    outcome = outcome_of(result)
    assert forbidden not in executed(marker), describe(result)
    assert "deniedpkg.sub" not in executed(marker), describe(result)
    assert outcome["violation"], outcome
    assert outcome["import_error"], outcome


@pytest.mark.parametrize("name", sorted(SUBMODULE_CASES))
def test_submodule_runs_unguarded(tmp_path, name):
    body, _, _ = SUBMODULE_CASES[name]
    program, marker, env = lib_program(tmp_path, body)

    result = run_program(program, env=env)

    assert outcome_of(result)["raised"] is None, describe(result)
    assert executed(marker) == ["deniedpkg", "deniedpkg.sub"], describe(result)


def test_package_of_denied_submodule_imports(tmp_path):
    program, marker, env = lib_program(tmp_path, "import deniedpkg")

    result = run_program(program, "--deny-import", "deniedpkg.sub", env=env)

    assert outcome_of(result)["raised"] is None, describe(result)
    assert executed(marker) == ["deniedpkg"], describe(result)


def test_stdlib_submodule_blocked(tmp_path):
    """import json.decoder under --deny-import json loads nothing of json.

    The program does not use the OUTCOME template, which itself imports json.
    """
    program = tmp_path / "json_decoder.py"
    program.write_text(
        "import sys\n"
        "try:\n"
        "    import json.decoder\n"
        "except ImportError as error:\n"
        "    print('REFUSED', type(error).__name__, error)\n"
        "print('LOADED', sorted(n for n in sys.modules if n == 'json' or n.startswith('json.')))\n"
    )

    result = run_program(program, "--deny-import", "json")

    assert "REFUSED PolicyViolation import denied: json" in result.stdout, describe(result)
    assert "LOADED []" in result.stdout, describe(result)
    assert result.returncode == 0, describe(result)


def test_allowed_parent_still_imports(tmp_path):
    """--deny-import xml.etree leaves xml and its other submodules alone."""
    body = """
        import xml.dom.minidom
        print("PARENT", xml.dom.minidom.parseString("<root/>").documentElement.tagName)
        try:
            import xml.etree.ElementTree
        finally:
            print("LOADED", loaded("xml.etree"))
    """
    program, _, env = lib_program(tmp_path, body)

    result = run_program(program, "--deny-import", "xml.etree", env=env)

    outcome = outcome_of(result)
    assert "PARENT root" in result.stdout, describe(result)
    assert "LOADED []" in result.stdout, describe(result)
    assert outcome["violation"], outcome
    assert outcome["import_error"], outcome


# ----- modules loaded before the guard applies -----

def start_up_module():
    """Return a module that python3 -c pass loads and the interpreter does not need, or skip."""
    names = run([PYTHON, "-c", "import sys; print(' '.join(sys.modules))"]).stdout.split()
    for candidate in ("_distutils_hack", "sitecustomize"):
        if candidate in names:
            return candidate
    pytest.skip("python3 loads no module at start-up that the interpreter can do without")


def test_start_up_module_absent(tmp_path):
    """A denied module that start-up would load is not in sys.modules, and importing it is refused."""
    module = start_up_module()
    body = f"""
        print("LOADED", loaded({module!r}))
        import {module}
    """
    program, _, env = lib_program(tmp_path, body)

    result = run_program(program, "--deny-import", module, env=env)

    outcome = outcome_of(result)
    assert "LOADED []" in result.stdout, describe(result)
    assert outcome["violation"], outcome
    assert outcome["message"] == f"import denied: {module}", outcome


API_LOADED_BODY = """
import hermetic
import deniedmod

with hermetic.hermetic_blocker(deny_imports=["deniedmod"]):
    print("LOADED", loaded("deniedmod"))
    {attempt}
"""

# name -> what the program tries inside the block with deniedmod loaded before it.
API_LOADED_ATTEMPTS = {
    "import_statement": "import deniedmod",
    "import_module": "importlib.import_module('deniedmod')",
    "gcd_import": "importlib._bootstrap._gcd_import('deniedmod')",
    "sys_modules_item": "sys.modules['deniedmod']",
    "reload": "importlib.reload(deniedmod)",
}


@pytest.mark.parametrize("name", sorted(API_LOADED_ATTEMPTS))
def test_api_forgets_loaded_module(tmp_path, name):
    """A block that denies a loaded module takes it out of sys.modules and never runs it again."""
    program, marker, env = lib_program(tmp_path, API_LOADED_BODY.format(attempt=API_LOADED_ATTEMPTS[name]))

    result = run_program(program, env=env)

    outcome = outcome_of(result)
    assert executed(marker) == ["deniedmod"], describe(result)
    assert "LOADED []" in result.stdout, describe(result)
    assert outcome["raised"] is not None, describe(result)


# sys.modules["deniedmod"] raises KeyError and importlib.reload raises
# ImportError because the block removed the module from sys.modules.
# Neither is a PolicyViolation.
@pytest.mark.parametrize("name", sorted(set(API_LOADED_ATTEMPTS) - {"sys_modules_item", "reload"}))
def test_api_loaded_module_refused(tmp_path, name):
    program, _, env = lib_program(tmp_path, API_LOADED_BODY.format(attempt=API_LOADED_ATTEMPTS[name]))

    result = run_program(program, env=env)

    outcome = outcome_of(result)
    assert outcome["violation"], outcome
    assert outcome["guard"] == "imports", outcome


@pytest.mark.parametrize("name", sorted(API_LOADED_ATTEMPTS))
def test_api_loaded_module_unguarded(tmp_path, name):
    """Without the block, the same attempts find or re-run the loaded module."""
    body = API_LOADED_BODY.format(attempt=API_LOADED_ATTEMPTS[name]).replace(
        'hermetic.hermetic_blocker(deny_imports=["deniedmod"])', "hermetic.hermetic_blocker()"
    )
    program, marker, env = lib_program(tmp_path, body)

    result = run_program(program, env=env)

    assert outcome_of(result)["raised"] is None, describe(result)
    assert "LOADED ['deniedmod']" in result.stdout, describe(result)
    assert executed(marker)[0] == "deniedmod", describe(result)


# ----- builtin and extension modules -----

BUILTIN_SPEC = "importlib.machinery.ModuleSpec('_socket', importlib.machinery.BuiltinImporter, origin='built-in')"

# name -> body. Each body creates the builtin module _socket.
BUILTIN_TECHNIQUES = {
    "create_builtin": f"import _imp\nmodule = _imp.create_builtin({BUILTIN_SPEC})",
    "builtin_importer": f"module = importlib.machinery.BuiltinImporter.create_module({BUILTIN_SPEC})",
    "import_statement": "import _socket as module",
    "socket_module": "import socket as module",
}


def builtin_body(name):
    return BUILTIN_TECHNIQUES[name] + "\nprint('CREATED', type(module).__name__)"


@pytest.mark.skipif("_socket" not in sys.builtin_module_names, reason="_socket is not a builtin module here")
@pytest.mark.parametrize("name", sorted(BUILTIN_TECHNIQUES))
def test_builtin_module_blocked(tmp_path, name):
    program, _, env = lib_program(tmp_path, builtin_body(name) + "\n")

    result = run_program(program, "--deny-import", "_socket", env=env)

    outcome = outcome_of(result)
    assert "CREATED" not in result.stdout, describe(result)
    assert outcome["violation"], outcome
    assert outcome["message"] == "import denied: _socket", outcome


@pytest.mark.skipif("_socket" not in sys.builtin_module_names, reason="_socket is not a builtin module here")
@pytest.mark.parametrize("name", sorted(BUILTIN_TECHNIQUES))
def test_builtin_module_unguarded(tmp_path, name):
    program, _, env = lib_program(tmp_path, builtin_body(name))

    result = run_program(program, env=env)

    assert outcome_of(result)["raised"] is None, describe(result)
    assert "CREATED module" in result.stdout, describe(result)


# name -> body. Each body loads the extension module _json from lib-dynload.
EXTENSION_TECHNIQUES = {
    "import_statement": "import _json as module",
    "module_from_spec": """
        spec = importlib.machinery.PathFinder.find_spec("_json")
        module = importlib.util.module_from_spec(spec)
    """,
    "extension_loader": """
        path = importlib.machinery.PathFinder.find_spec("_json").origin
        loader = importlib.machinery.ExtensionFileLoader("_json", path)
        module = loader.create_module(importlib.util.spec_from_loader("_json", loader))
    """,
}


def extension_body(name):
    return textwrap.dedent(EXTENSION_TECHNIQUES[name]) + "\nprint('CREATED', type(module).__name__)\n"


@pytest.mark.parametrize("name", sorted(EXTENSION_TECHNIQUES))
def test_extension_module_blocked(tmp_path, name):
    program, _, env = lib_program(tmp_path, extension_body(name))

    result = run_program(program, "--deny-import", "_json", env=env)

    outcome = outcome_of(result)
    assert "CREATED" not in result.stdout, describe(result)
    assert outcome["violation"], outcome
    assert outcome["import_error"], outcome
    assert outcome["message"] == "import denied: _json", outcome


@pytest.mark.parametrize("name", sorted(EXTENSION_TECHNIQUES))
def test_extension_module_unguarded(tmp_path, name):
    program, _, env = lib_program(tmp_path, extension_body(name))

    result = run_program(program, env=env)

    assert outcome_of(result)["raised"] is None, describe(result)
    assert "CREATED module" in result.stdout, describe(result)


JSON_PROGRAM = """\
import json
import json.decoder
import sys

print(json.dumps({"b": [1, 2.5, None], "a": "\\u00e9"}, sort_keys=True), json.loads('{"x": [true]}'))
print("accelerated", json.decoder.c_scanstring is not None, "_json" in sys.modules)
"""


@pytest.mark.parametrize(
    "option", [pytest.param([], id="unguarded"), pytest.param(["--deny-import", "_json"], id="denied")]
)
def test_json_falls_back_without_extension(tmp_path, option):
    """json works when _json is denied, with its pure-Python code."""
    program = tmp_path / "uses_json.py"
    program.write_text(JSON_PROGRAM)
    plain = run([PYTHON, program])

    result = run_hermetic([*option, "--", PYTHON, program])

    accelerated = "accelerated True True" if not option else "accelerated False False"
    assert result.returncode == 0, describe(result)
    assert result.stdout.splitlines()[0] == plain.stdout.splitlines()[0], describe(result)
    assert result.stdout.splitlines()[1] == accelerated, describe(result)


# ----- modules the interpreter needs -----

@pytest.mark.parametrize("module", ["sys", "builtins", "_io", "os", "encodings", "os.path", "encodings.utf_8"])
def test_essential_module_usage_error(module):
    result = run_hermetic(["--deny-import", module, "--", PYTHON, "-c", "print('program ran')"])

    assert result.returncode == EXIT_USAGE, describe(result)
    assert result.stdout == "", describe(result)
    assert result.stderr.startswith("hermetic: "), describe(result)
    assert f"--deny-import {module}:" in result.stderr, describe(result)


def test_essential_module_in_profile(tmp_path):
    profile = tmp_path / "deny-os.yaml"
    profile.write_text("version: 1\nimports: {deny: [os]}\n")

    result = run_hermetic(["--profile", profile, "--", PYTHON, "-c", "print('program ran')"])

    assert result.stdout == "", describe(result)
    assert result.returncode == 78, describe(result)
    assert str(profile) in result.stderr, describe(result)


def test_api_rejects_essential_module(tmp_path):
    body = """
        import hermetic
        try:
            with hermetic.hermetic_blocker(deny_imports=["os"]):
                pass
        finally:
            print("LOADED", loaded("os"))
    """
    program, _, env = lib_program(tmp_path, body)

    result = run_program(program, env=env)

    outcome = outcome_of(result)
    assert "LOADED ['os', 'os.path']" in result.stdout, describe(result)
    assert outcome["raised"] == "ValueError", describe(result)
    assert "os" in outcome["message"], outcome


def test_block_all_denies_nothing():
    """block-all has no module to deny, so the list stays empty."""
    result = run_hermetic(["--profile", "block-all", "--show-policy"])

    assert result.returncode == 0, describe(result)
    assert yaml.safe_load(result.stdout)["imports"]["deny"] == [], describe(result)


CHILD_PROGRAM = """\
import subprocess
import sys

result = subprocess.run([sys.executable, "-c", "import deniedmod"], capture_output=True, text=True)
print("CHILD", result.returncode)
"""


def test_denied_import_of_child_python(tmp_path):
    """A Python child started through sys.executable gets the same deny list."""
    lib, marker = make_lib(tmp_path)
    program = tmp_path / "parent.py"
    program.write_text(CHILD_PROGRAM)

    result = run_program(program, "--deny-import", "deniedmod", env=clean_env(PYTHONPATH=str(lib)))

    assert executed(marker) == [], describe(result)
    assert f"CHILD {EXIT_BLOCKED}" in result.stdout, describe(result)


def test_child_imports_unguarded(tmp_path):
    lib, marker = make_lib(tmp_path)
    program = tmp_path / "parent.py"
    program.write_text(CHILD_PROGRAM)

    result = run_program(program, env=clean_env(PYTHONPATH=str(lib)))

    assert executed(marker) == ["deniedmod"], describe(result)
    assert "CHILD 0" in result.stdout, describe(result)
