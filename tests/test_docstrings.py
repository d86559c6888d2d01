"""Every example in the package's docstrings runs and prints what it shows."""

import doctest
import importlib
import pkgutil

import pytest

import hotline_classify

MODULES = sorted(
    m.name for m in pkgutil.iter_modules(hotline_classify.__path__, "hotline_classify.")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_show_what_they_print(name, capsys):
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(module, optionflags=flags, report=True)
    report = capsys.readouterr().out
    assert result.failed == 0, report
