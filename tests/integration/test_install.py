"""make install into a PREFIX of its own, and into a DESTDIR staging tree.

The installed hermetic must find the profiles it installed wherever the
tree ends up, without being rebuilt for that PREFIX.
"""

import shutil
import subprocess

import pytest

from conftest import BUILD, PYTHON, REPO, clean_env, run


def install(destdir, prefix):
    result = subprocess.run(
        ["make", "-C", str(REPO), f"BUILD={BUILD}", f"PREFIX={prefix}", f"DESTDIR={destdir}", "install"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("staged", [False, True], ids=["prefix", "destdir"])
def test_installed_tree_finds_its_profiles(tmp_path, staged):
    destdir = tmp_path / "stage" if staged else ""
    prefix = "/opt/hermetic-test" if staged else tmp_path / "prefix"
    install(destdir, prefix)
    root = f"{destdir}{prefix}"
    env = clean_env(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"))

    listed = run([f"{root}/bin/hermetic", "--list-profiles"], env=env)
    default = run([f"{root}/bin/hermetic-python", "-c", "print('ran')"], env=env)
    blocked = run([f"{root}/bin/hermetic", "--profile", "block-all", "--", PYTHON, "-c", "print('ran')"], env=env)

    assert listed.returncode == 0, listed.stderr
    assert f"{root}/share/hermetic/profiles/block-all.yaml" in listed.stdout
    assert default.returncode == 0, default.stderr
    assert default.stdout == "ran\n"
    assert blocked.returncode == 0, blocked.stderr
    assert blocked.stdout == "ran\n"


def test_installed_module_finds_its_profiles(tmp_path):
    prefix = tmp_path / "prefix"
    install("", prefix)
    site = prefix / "lib" / "python3.11" / "dist-packages"
    code = (
        "import hermetic, socket\n"
        "with hermetic.hermetic_blocker(profile='net-hermetic'):\n"
        "    try:\n"
        "        socket.getaddrinfo('example.invalid', 80)\n"
        "    except hermetic.PolicyViolation as error:\n"
        "        print('blocked', error.guard)\n"
        "print(hermetic.__file__.startswith(" + repr(str(site)) + "))\n"
    )
    env = clean_env(PYTHONPATH=str(site), HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"))

    result = run([PYTHON, "-c", code], env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "blocked network\nTrue\n"


def test_list_profiles_names_directories_when_empty(tmp_path):
    """With no profiles anywhere, --list-profiles says where it looked."""
    lonely = tmp_path / "bin"
    lonely.mkdir()
    shutil.copy(BUILD / "hermetic", lonely / "hermetic")
    env = clean_env(HERMETIC_PROFILE_PATH=str(tmp_path / "none"), HOME=str(tmp_path),
                    XDG_CONFIG_HOME=str(tmp_path / "config"))

    result = run([lonely / "hermetic", "--list-profiles"], env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("No profiles found. Searched:\n"), result.stdout
    assert f"  {tmp_path / 'none'}\n" in result.stdout
