"""The examples in govkg's docstrings run as tests (each module's doctests, by name)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import govkg

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(govkg.__path__, prefix="govkg.")
    if not info.name.endswith("__main__")  # running it would start the command line
)


def test_modules_are_found():
    assert "govkg.web.serving" in MODULES and len(MODULES) > 40


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
