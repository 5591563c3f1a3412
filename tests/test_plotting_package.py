"""isingml.plotting re-exports every area module's figures, with no name claimed twice."""

import collections
import importlib
import pkgutil

import isingml.plotting


def test_every_area_module_is_re_exported_without_collisions():
    names = collections.Counter()
    for info in pkgutil.iter_modules(isingml.plotting.__path__):
        module = importlib.import_module(f"isingml.plotting.{info.name}")
        names.update(module.__all__)
        for name in module.__all__:
            assert getattr(isingml.plotting, name) is getattr(module, name)
    assert [n for n, count in names.items() if count > 1] == []
    assert sorted(names) == isingml.plotting.__all__
