"""How `hermetic -- COMMAND` finds the Python program to run.

COMMAND is python3 with its own arguments, a path to a Python file, a Python
script found on PATH (Debian's console scripts among them), module:function,
or the name of an installed console_scripts entry point. Anything else exits
126 (not a Python program) or 127 (not found).
"""

import json
import re
import stat
import textwrap

import pytest

from conftest import CLEAN_PATH, EXIT_NOT_FOUND, EXIT_NOT_PYTHON, PYTHON, clean_env, hermetic, run

# Prints where the program runs from, as one JSON object.
WHERE = textwrap.dedent(
    """\
    import json, sys
    print(json.dumps({
        "argv": sys.argv,
        "path0": sys.path[0],
        "prefix": sys.prefix,
        "base_prefix": sys.base_prefix,
        "path": sys.path,
        "name": __name__,
    }))
    """
)


def write_executable(path, text):
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def where(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_python3_name_runs_python_command_line():
    result = hermetic("--", "python3", "-c", "import sys; print(sys.argv, sys.prefix)", "x")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "['-c', 'x'] /usr\n"


@pytest.mark.parametrize("name", ["python", "python3", "python3.11", "/usr/bin/python3.11"])
def test_python_names_run_embedded_version(name):
    """Without python-is-python3, Debian 12 has no python on PATH, and hermetic uses the embedded interpreter."""
    result = hermetic("--", name, "-c", "import sys; print(sys.version_info[:2], sys.orig_argv[0], sys.prefix)")

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"(3, 11) {name} /usr\n"


def test_python3_path_runs_python_command_line():
    result = hermetic("--", PYTHON, "-c", "import sys; print(sys.orig_argv)")

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"['{PYTHON}', '-c', 'import sys; print(sys.orig_argv)']\n"


def test_py_file_path_runs_as_main(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text(WHERE)

    state = where(hermetic("--", script, "a", "b"))

    assert state["name"] == "__main__"
    assert state["argv"] == [str(script), "a", "b"]
    assert state["path0"] == str(tmp_path)


def test_relative_py_file_runs_as_main(tmp_path):
    (tmp_path / "prog.py").write_text(WHERE)

    state = where(hermetic("--", "prog.py", "a", cwd=tmp_path))

    assert state["argv"] == ["prog.py", "a"]
    assert state["path0"] == str(tmp_path)


def test_py_file_matches_python(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text(WHERE)

    direct = where(run([PYTHON, script, "a"]))
    hosted = where(hermetic("--", script, "a"))

    assert hosted == direct


@pytest.mark.parametrize("shebang", ["#!/usr/bin/python3", "#!/usr/bin/env python3"], ids=["direct", "env"])
def test_shebang_file_runs_as_main(shebang, tmp_path):
    script = write_executable(tmp_path / "tool", f"{shebang}\n{WHERE}")

    direct = where(run([script, "a"]))
    hosted = where(hermetic("--", script, "a"))

    assert hosted["argv"] == [str(script), "a"]
    assert hosted["path0"] == str(tmp_path)
    assert hosted == direct


def test_script_on_path_runs_resolved_file(tmp_path):
    write_executable(tmp_path / "my-tool", f"#!/usr/bin/env python3\n{WHERE}")
    env = clean_env(PATH=f"{tmp_path}:{CLEAN_PATH}")

    state = where(hermetic("--", "my-tool", "a", env=env))

    assert state["argv"] == [str(tmp_path / "my-tool"), "a"]
    assert state["path0"] == str(tmp_path)


# Debian's console scripts in /usr/bin, with arguments that print and exit.
DEBIAN_SCRIPTS = {
    "http": ["http", "--version"],
    "pip3": ["pip3", "--version"],
    "pytest": ["pytest", "--version"],
    "pydoc3": ["pydoc3", "json"],
}


def without_addresses(text):
    """Replace object addresses (pydoc prints reprs such as <object at 0x7ff2...>)."""
    return re.sub(r"0x[0-9a-f]+", "0x...", text)


@pytest.mark.parametrize("name", sorted(DEBIAN_SCRIPTS))
def test_debian_console_script_matches_direct_run(name):
    args = DEBIAN_SCRIPTS[name]
    direct = run(args)
    hosted = hermetic("--", *args)

    assert direct.returncode == 0, direct.stderr
    assert hosted.returncode == 0, hosted.stderr
    assert without_addresses(hosted.stdout) == without_addresses(direct.stdout)
    assert hosted.stderr == direct.stderr


def test_entry_point_function_returns_status(tmp_path):
    (tmp_path / "epmod.py").write_text(
        textwrap.dedent(
            """\
            import sys

            class tools:
                @staticmethod
                def main():
                    print("main", sys.argv[1:])
                    return 5
            """
        )
    )

    result = hermetic("--", "epmod:tools.main", "a", "b", cwd=tmp_path)

    assert result.returncode == 5, result.stderr
    assert result.stdout == "main ['a', 'b']\n"


def test_entry_point_missing_module_fails(tmp_path):
    result = hermetic("--", "no_such_module_xyz:main", cwd=tmp_path)

    assert result.returncode == EXIT_NOT_FOUND
    assert result.stderr == (
        "hermetic: no_such_module_xyz:main: no module named 'no_such_module_xyz' "
        "(module:function needs a module that python3 can import)\n"
    )


def test_entry_point_missing_function_fails(tmp_path):
    (tmp_path / "epmod.py").write_text("class tools:\n    pass\n")

    missing_class = hermetic("--", "epmod:nothing.main", cwd=tmp_path)
    missing_method = hermetic("--", "epmod:tools.main", cwd=tmp_path)

    assert missing_class.returncode == EXIT_NOT_FOUND
    assert missing_class.stderr == "hermetic: epmod:nothing.main: epmod has no attribute 'nothing'\n"
    assert missing_method.returncode == EXIT_NOT_FOUND
    assert missing_method.stderr == "hermetic: epmod:tools.main: epmod:tools has no attribute 'main'\n"


def test_entry_point_in_active_venv(tmp_path, venv):
    """With a venv activated, module:function imports from that venv, as its python3 would."""
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "venvonlymod.py").write_text("import sys\ndef main():\n    print(sys.prefix)\n")
    env = clean_env(VIRTUAL_ENV=str(venv), PATH=f"{venv}/bin:{CLEAN_PATH}")

    activated = hermetic("--", "venvonlymod:main", env=env, cwd=tmp_path)
    plain = hermetic("--", "venvonlymod:main", cwd=tmp_path)

    assert activated.returncode == 0, activated.stderr
    assert activated.stdout == f"{venv}\n"
    assert plain.returncode == EXIT_NOT_FOUND
    assert "no module named 'venvonlymod'" in plain.stderr


def test_entry_point_inner_import_error_propagates(tmp_path):
    """A module that exists but fails to import something is the program's own error."""
    (tmp_path / "epbroken.py").write_text("import no_such_dependency_xyz\n")

    result = hermetic("--", "epbroken:main", cwd=tmp_path)

    assert result.returncode == 1
    assert "ModuleNotFoundError: No module named 'no_such_dependency_xyz'" in result.stderr
    assert "hermetic: " not in result.stderr


@pytest.mark.parametrize("name", ["http", "pytest"])
def test_console_entry_point_not_on_path(name, tmp_path):
    """httpie and pytest register console_scripts entry points in their Debian packages."""
    env = clean_env(PATH=str(tmp_path))
    direct = run([f"/usr/bin/{name}", "--version"])

    hosted = hermetic("--", name, "--version", env=env)

    assert hosted.returncode == 0, hosted.stderr
    assert hosted.stdout == direct.stdout


@pytest.mark.parametrize("command", ["/bin/true", "true"], ids=["path", "name"])
def test_elf_binary_rejected(command):
    result = hermetic("--", command)

    assert result.returncode == EXIT_NOT_PYTHON
    assert result.stderr.startswith("hermetic: ")
    assert "not a Python program" in result.stderr
    assert "in its own process" in result.stderr


def test_shell_script_rejected(tmp_path):
    marker = tmp_path / "ran"
    script = write_executable(tmp_path / "job.sh", f"#!/bin/sh\ntouch {marker}\n")

    result = hermetic("--", script)

    assert result.returncode == EXIT_NOT_PYTHON
    assert "not a Python program" in result.stderr
    assert "/bin/sh" in result.stderr
    assert not marker.exists()


def test_file_without_shebang_or_suffix_rejected(tmp_path):
    script = write_executable(tmp_path / "notes", "print('hello')\n")

    result = hermetic("--", script)

    assert result.returncode == EXIT_NOT_PYTHON
    assert result.stdout == ""
    assert "not a Python program" in result.stderr


def test_missing_file_not_found(tmp_path):
    result = hermetic("--", tmp_path / "missing.py")

    assert result.returncode == EXIT_NOT_FOUND
    assert result.stderr.startswith(f"hermetic: {tmp_path / 'missing.py'}")


def test_unknown_name_not_found():
    result = hermetic("--", "no-such-command-xyz")

    assert result.returncode == EXIT_NOT_FOUND
    assert result.stderr == (
        "hermetic: no-such-command-xyz: command not found "
        "(not a file, not on PATH, not a console_scripts entry point)\n"
    )


def test_other_python_version_rejected():
    result = hermetic("--", "python3.12", "-c", "print('ran')")

    assert result.returncode == EXIT_NOT_PYTHON
    assert result.stdout == ""
    assert "3.12" in result.stderr
    assert "3.11" in result.stderr


def test_missing_shebang_interpreter_rejected(tmp_path):
    script = write_executable(tmp_path / "tool", "#!/opt/no-such-python/bin/python3\nprint('ran')\n")

    result = hermetic("--", script)

    assert result.returncode == EXIT_NOT_PYTHON
    assert result.stdout == ""
    assert "/opt/no-such-python/bin/python3 does not exist" in result.stderr


def test_other_version_venv_shebang_rejected(tmp_path):
    """A venv whose pyvenv.cfg records Python 3.12 cannot run on the embedded 3.11."""
    venv = tmp_path / "venv312"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /opt/python3.12/bin\ninclude-system-site-packages = false\nversion = 3.12.1\n")
    # The interpreter file only has to exist, because hermetic reads the version from pyvenv.cfg.
    (venv / "bin" / "python").symlink_to("/bin/true")
    script = write_executable(tmp_path / "tool", f"#!{venv}/bin/python\nprint('ran')\n")

    result = hermetic("--", script)

    assert result.returncode == EXIT_NOT_PYTHON
    assert result.stdout == ""
    assert "3.12.1" in result.stderr
    assert "3.11" in result.stderr


def venv_script(venv, name):
    """Write a script into the venv's bin directory with the venv's python as shebang."""
    return write_executable(venv / "bin" / name, f"#!{venv}/bin/python\n{WHERE}")


def test_venv_script_uses_venv(venv):
    script = venv_script(venv, "where-by-path")
    site_packages = str(venv / "lib" / "python3.11" / "site-packages")

    state = where(hermetic("--", script, "a"))

    assert state["prefix"] == str(venv)
    assert state["base_prefix"] == "/usr"
    assert site_packages in state["path"]
    assert state["argv"] == [str(script), "a"]


def test_venv_script_on_path_matches_direct_run(venv):
    script = venv_script(venv, "where-on-path")
    env = clean_env(PATH=f"{venv}/bin:{CLEAN_PATH}")

    direct = where(run([script, "a"], env=env))
    hosted = where(hermetic("--", "where-on-path", "a", env=env))

    assert hosted == direct


def test_venv_python_name_on_path_uses_venv(venv):
    env = clean_env(PATH=f"{venv}/bin:{CLEAN_PATH}")

    state = where(hermetic("--", "python3", "-c", WHERE, env=env))

    assert state["prefix"] == str(venv)


@pytest.fixture
def pyenv_shim(tmp_path):
    """A directory with a shell script named python3, as pyenv installs, that records each run."""
    shims = tmp_path / "shims"
    shims.mkdir()
    marker = tmp_path / "shim-ran"
    write_executable(shims / "python3", f'#!/bin/sh\necho ran >> {marker}\nexec {PYTHON} "$@"\n')
    return shims, marker


def test_pyenv_shim_not_run(pyenv_shim):
    shims, marker = pyenv_shim
    env = clean_env(PATH=f"{shims}:{CLEAN_PATH}")

    result = hermetic("--", "python3", "-c", "import sys; print(sys.prefix)", env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "/usr\n"
    assert not marker.exists()
    notes = [line for line in result.stderr.splitlines() if line.startswith("hermetic: note:")]
    assert len(notes) == 1, result.stderr
    assert str(shims / "python3") in notes[0]
    assert "wrapper script" in notes[0]
    assert PYTHON in notes[0]


def test_env_shebang_skips_pyenv_shim(pyenv_shim, tmp_path):
    shims, marker = pyenv_shim
    env = clean_env(PATH=f"{shims}:{CLEAN_PATH}")
    script = write_executable(tmp_path / "tool", f"#!/usr/bin/env python3\n{WHERE}")

    result = hermetic("--", script, env=env)

    assert not marker.exists()
    assert where(result)["prefix"] == "/usr"
    assert "hermetic: note:" in result.stderr


def test_shebang_interpreter_arguments_kept(tmp_path):
    script = write_executable(tmp_path / "tool", "#!/usr/bin/python3 -O\nimport sys; print(sys.flags.optimize)\n")

    result = hermetic("--", script)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "1\n"


def test_directory_with_main_runs(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "__main__.py").write_text("import sys; print('app', sys.argv[1:])\n")

    result = hermetic("--", app, "x")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "app ['x']\n"


def test_path_through_file_not_found(tmp_path):
    """A path through a regular file is not found, as for python3."""
    (tmp_path / "file").write_text("")

    result = hermetic("--", tmp_path / "file" / "prog.py")

    assert result.returncode == EXIT_NOT_FOUND
    assert result.stderr.startswith("hermetic: ")


def test_program_gets_original_path(tmp_path):
    """The program gets the PATH it was started with, not one hermetic rewrote."""
    env = clean_env(PATH=f"{tmp_path}:{CLEAN_PATH}")

    result = hermetic("--", "python3", "-c", "import os; print(os.environ['PATH'])", env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{tmp_path}:{CLEAN_PATH}\n"
