"""Package-level promises: `import companion` stays light; backends load on demand; every
backend module builds its model the same way; no module imports one above it."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from companion.registry import MODULES

PACKAGE = Path(__file__).resolve().parents[1] / "companion"


def run_python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_import_companion_imports_no_framework():
    loaded = run_python(
        "import sys, companion\n"
        "companion.numpy_lstm.forward([[[1.0]]], companion.LSTMWeights.random(1, 2))\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'torch') if m in sys.modules))"
    )
    assert loaded == "[]"


def test_backends_load_on_first_use():
    loaded = run_python(
        "import sys, companion\n"
        "companion.torch_lstm\n"
        "print('torch' in sys.modules, 'tensorflow' in sys.modules)"
    )
    assert loaded == "True False"


MODEL_MODULES = (*MODULES, "tagger")
"""Every model with a module per backend: the crosscheck's models and the tagger."""


@pytest.mark.parametrize("module", [f"{b}_{m}" for m in MODEL_MODULES for b in ("keras", "torch")])
def test_every_backend_module_builds_its_model_with_build(module):
    """``companion.{keras,torch}_X.build(weights, ...)`` returns the framework's layer or module
    holding ``weights``: one name to learn, whatever the model."""
    build = importlib.import_module(f"companion.{module}").build
    assert next(iter(build.__annotations__)) == "weights", module


FLOORS = (
    ("_backends", "_checks", "_numeric", "_scan", "_reference", "_keras_tools", "_torch_tools"),
    ("weights", "lstm", "rnn", "gru", "variants", "stacked", "tagger", "optimizers"),
    ("numpy_", "keras_", "torch_"),
    ("registry", "gradcheck", "crosscheck", "train_crosscheck"),
    ("data", "analysis", "figures", "trained"),
    ("__init__", "__main__"),
)
"""The package's floors, lowest first, each a tuple of the module names on it (a name ending
in "_" a prefix; a subpackage stands for its modules): shared tools, what each model takes
and returns, the backends that compute it, the checks that compare backends, the chapters'
helpers, and the package itself (whose names ``from companion import Name`` reaches)."""


def floor(module: str) -> int:
    """The floor of ``module``, a dotted name under ``companion`` ("companion" itself is the
    package's ``__init__``)."""
    first = module.removeprefix("companion").lstrip(".").split(".")[0] or "__init__"
    for number, names in enumerate(FLOORS):
        if any(first == name or (name.endswith("_") and first.startswith(name)) for name in names):
            return number
    raise AssertionError(f"companion.{first} is on no floor of FLOORS; add it to one")


def imported_modules(path: Path) -> set[str]:
    """The ``companion`` modules that the file at ``path`` imports, anywhere in it: for
    ``from companion.x import y`` the module companion.x.y where that is a file, else
    companion.x."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "companion"}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "companion":
            for alias in node.names:
                inner = PACKAGE.parent / Path(*f"{node.module}.{alias.name}".split("."))
                is_module = inner.with_suffix(".py").exists() or inner.is_dir()
                found.add(f"{node.module}.{alias.name}" if is_module else node.module)
    return found


def test_no_module_imports_a_module_on_a_higher_floor():
    """A module imports modules on its own floor or below (:data:`FLOORS`): a backend never
    imports the crosscheck, the tools never import a backend, and nothing below the package
    takes a name from ``companion/__init__``."""
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(("companion", *path.relative_to(PACKAGE).with_suffix("").parts))
        for imported in imported_modules(path):
            if floor(imported) > floor(module):
                upward.append(f"{module} (floor {floor(module)}) imports {imported} "
                              f"(floor {floor(imported)})")
    assert not upward, "\n".join(upward)


def test_the_floor_test_sees_an_upward_import(tmp_path):
    """The check above would catch a backend tool importing the crosscheck."""
    tool = tmp_path / "tool.py"
    tool.write_text("def f():\n    from companion.crosscheck import cases\n")
    assert floor("companion._keras_tools") < min(floor(m) for m in imported_modules(tool))
    assert floor("companion.keras_lstm") < floor("companion")  # from companion import Name
