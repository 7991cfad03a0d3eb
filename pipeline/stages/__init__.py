"""The pipeline's stages, one file each. Importing this package registers every stage module in
it (a module whose name starts with `_` is a helper): adding a stage is adding a file, plus its
name in the run's stage list (`pipeline.config.DEFAULT_STAGES` or `stages:` in a config)."""

from __future__ import annotations

import importlib
import pkgutil

for _m in pkgutil.iter_modules(__path__):
    if not _m.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_m.name}")
