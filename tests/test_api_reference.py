"""The API reference page (book/api.md) covers every public module, class and function."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import companion

API_PAGE = Path(__file__).resolve().parents[1] / "book" / "api.md"
PUBLIC_MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(companion.__path__, prefix="companion.")
    if not any(part.startswith("_") for part in info.name.split("."))
)


def test_every_public_file_is_a_public_module() -> None:
    """The modules found by importing (pkgutil) are the files on disk, subpackages included:
    none is missed because a folder lacks an ``__init__.py`` or walk_packages stops early."""
    root = Path(companion.__file__).parent
    on_disk = {
        ".".join(("companion", *path.relative_to(root).with_suffix("").parts)).removesuffix(
            ".__init__"
        )
        for path in root.rglob("*.py")
        if not any(part.startswith("_") for part in path.relative_to(root).parts[:-1])
        and (path.name == "__init__.py" or not path.name.startswith("_"))
        and path.parent != root.parent
    } - {"companion"}
    assert on_disk == set(PUBLIC_MODULES)
    assert {"companion.data.synthetic", "companion.crosscheck.cases"} <= on_disk


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_public_module_is_on_the_api_page(module_name: str) -> None:
    assert f".. automodule:: {module_name}\n" in API_PAGE.read_text(encoding="utf-8"), (
        f"book/api.md has no section for {module_name}; add one like the others:\n"
        f"```{{eval-rst}}\n.. automodule:: {module_name}\n   :members:\n```"
    )


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_public_function_and_class_has_a_docstring(module_name: str) -> None:
    """autodoc's ``:members:`` silently leaves out anything without a docstring."""
    module = importlib.import_module(module_name)
    assert inspect.getdoc(module), f"{module_name} has no module docstring"
    missing = [
        name
        for name, member in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(member) or inspect.isclass(member))
        and member.__module__ == module_name
        and not inspect.getdoc(member)
    ]
    assert not missing, f"{module_name}: no docstring for {', '.join(missing)}"
