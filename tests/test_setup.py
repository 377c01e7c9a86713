"""The set-up a new user runs: the Makefile's Python check, the installed package, the version
bounds, and the summary the suite prints when PyTorch is missing."""
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _env(**changes):
    """This process's environment without PYTHONPATH (so that the installed minigrad is the one
    found), with ``changes``; a value of None removes that variable."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


# ---- the import trap -------------------------------------------------------------------------

def test_a_script_beside_the_clone_imports_the_installed_package(tmp_path):
    """A script saved in the folder that holds the clone (a folder called minigrad/ with no
    __init__.py) must import the installed minigrad, not that folder as a namespace package."""
    elsewhere = subprocess.run([sys.executable, "-c", "import minigrad; print(minigrad.__file__)"],
                               cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=60)
    if elsewhere.returncode != 0:
        pytest.skip("minigrad is not installed in this Python (make test installs it with "
                    "pip install -e .), so there is no installed package to find")
    installed = elsewhere.stdout.strip()
    clone = tmp_path / "minigrad"
    try:
        clone.symlink_to(ROOT, target_is_directory=True)      # the clone itself, by its name
    except OSError:                                          # no symlinks (Windows): a folder
        clone.mkdir()
        shutil.copy(ROOT / "README.md", clone)
    (tmp_path / "train.py").write_text(
        "import minigrad\nprint(minigrad.__file__)\nprint(tuple(minigrad.randn(2, 3).shape))\n")
    result = subprocess.run([sys.executable, "train.py"], cwd=tmp_path, env=_env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [installed, "(2, 3)"]


# ---- version bounds and packaging metadata ---------------------------------------------------

def _bounds(lines):
    """{'numpy': '>=2.0', ...} from requirement strings."""
    found = {}
    for line in lines:
        line = line.split("#")[0].strip()
        if line:
            name, bound = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*(.*)", line).groups()
            found[name.lower()] = bound.replace(" ", "")
    return found


def test_requirements_and_pyproject_declare_the_same_lower_bounds():
    """.ci/run tests requirements.txt's lower bounds; pip install minigrad reads pyproject's."""
    project = PYPROJECT["project"]
    declared = _bounds(project["dependencies"]
                       + [r for extra in project["optional-dependencies"].values() for r in extra])
    required = _bounds((ROOT / "requirements.txt").read_text().splitlines())
    assert declared == required


def test_numpy_floor_has_nep50_promotion():
    """Under NumPy 1.x a 0-d float32 tensor combined with a Python float became float64
    (test_float32_stays_float32 failed with numpy 1.24.4); NumPy 2.0 keeps float32."""
    bound = _bounds(PYPROJECT["project"]["dependencies"])["numpy"]
    assert bound.startswith(">=") and int(bound[2:].split(".")[0]) >= 2


def test_licence_is_an_spdx_string_so_setuptools_prints_no_deprecation_banner():
    """setuptools >= 77 warns on every install about `license = {text = ...}`."""
    project = PYPROJECT["project"]
    assert project["license"] == "MIT"
    assert all((ROOT / name).is_file() for name in project["license-files"])
    assert "setuptools>=77" in PYPROJECT["build-system"]["requires"]


# ---- the Makefile's check of the interpreter -------------------------------------------------

needs_make = pytest.mark.skipif(shutil.which("make") is None or os.name == "nt",
                                reason="needs make and a POSIX shell")


def _fake_python(folder, version):
    """An executable that runs this Python but reports ``version`` in sys.version_info."""
    site = folder / f"site{version[0]}{version[1]}"
    site.mkdir()
    (site / "sitecustomize.py").write_text(f"import sys\nsys.version_info = {version + ('final', 0)}\n")
    fake = folder / f"python{version[0]}.{version[1]}"
    fake.write_text(f'#!/bin/sh\nPYTHONPATH="{site}" exec "{sys.executable}" "$@"\n')
    fake.chmod(0o755)
    return fake


def _project(folder):
    """A folder with the three files the Makefile's set-up reads."""
    folder.mkdir(exist_ok=True)
    for name in ("Makefile", "requirements.txt", "pyproject.toml"):
        shutil.copy(ROOT / name, folder)
    return folder


def _make(folder, *args):
    return subprocess.run(["make", *args], cwd=folder, env=_env(PYTHON=None, MAKEFLAGS=None),
                          capture_output=True, text=True, timeout=60)


@needs_make
def test_make_refuses_an_old_python_before_installing_anything(tmp_path):
    project = _project(tmp_path)
    result = _make(project, ".venv/.installed", f"PYTHON={_fake_python(tmp_path, (3, 10, 12))}")
    assert result.returncode != 0
    assert "needs Python 3.11 or newer" in result.stdout and "is 3.10" in result.stdout
    assert "make demo PYTHON=python3.12" in result.stdout
    assert not (project / ".venv").exists()


def _venv_made_by(project, python):
    (project / ".venv" / "bin").mkdir(parents=True)
    (project / ".venv" / "bin" / "python").symlink_to(python)
    (project / ".venv" / ".installed").touch()


@needs_make
def test_make_rebuilds_a_venv_made_by_a_too_old_python(tmp_path):
    project = _project(tmp_path / "p")
    _venv_made_by(project, _fake_python(tmp_path, (3, 10, 12)))
    result = _make(project, "-n", ".venv/.installed", f"PYTHON={sys.executable}")
    assert "rm -rf .venv" in result.stdout and "-m venv .venv" in result.stdout, result.stdout


@needs_make
def test_make_rebuilds_a_venv_of_another_version_than_asked_for(tmp_path):
    project = _project(tmp_path / "p")
    _venv_made_by(project, _fake_python(tmp_path, (3, 12, 1)))
    asked = _make(project, "-n", ".venv/.installed", f"PYTHON={sys.executable}")   # 3.11+, not 3.12
    assert "rm -rf .venv" in asked.stdout, asked.stdout
    if sys.version_info[:2] != (3, 12):
        kept = _make(project, "-n", ".venv/.installed")        # no PYTHON=...: a good .venv stays
        assert "rm -rf" not in kept.stdout and "up to date" in kept.stdout, kept.stdout


@needs_make
def test_make_keeps_a_venv_made_by_the_python_asked_for(tmp_path):
    project = _project(tmp_path)
    _venv_made_by(project, Path(sys.executable))
    result = _make(project, "-n", ".venv/.installed", f"PYTHON={sys.executable}")
    assert "up to date" in result.stdout, result.stdout


# ---- the summary when PyTorch is missing -----------------------------------------------------

def test_the_suite_says_how_many_parity_tests_skipped_and_why(tmp_path):
    """Run a small suite with our conftest as a plugin, torch made unimportable."""
    (tmp_path / "test_fake.py").write_text(
        "import sys\nimport pytest\n"
        "sys.modules['torch'] = None                     # as if PyTorch were not installed\n\n"
        "@pytest.mark.parametrize('i', range(3))\n"
        "def test_parity(i):\n    pytest.importorskip('torch')\n\n"
        "def test_other():\n    pytest.skip('another reason')\n\n"
        "def test_plain():\n    pass\n")
    env = _env(PYTHONPATH=os.pathsep.join([str(ROOT / "tests"), str(ROOT)]))
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider",
                             "test_fake.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=120)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "PyTorch parity tests skipped" in out
    assert "3 tests that compare minigrad with PyTorch live were skipped" in out
    assert "import of torch halted" in out                  # the reason ImportError gave
    assert "made with torch 2.13.0" in out and "pip install torch==2.13.0" in out
