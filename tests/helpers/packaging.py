"""The packaging scripts (packaging/bundle.py, packaging/build.py) as modules, for the
packaging tests: they are loaded by path, since `packaging` is also a PyPI package."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"


def load_script(name: str, filename: str) -> ModuleType:
    """Import a packaging script by path (``packaging`` is also a PyPI package's name)."""
    saved = list(sys.path)
    try:
        spec = importlib.util.spec_from_file_location(name, PACKAGING / filename)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path[:] = saved


bundle = load_script("doorloop_packaging_bundle", "bundle.py")
build = load_script("doorloop_packaging_build", "build.py")
