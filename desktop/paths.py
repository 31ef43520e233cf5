"""Where Doorloop keeps its files: platformdirs' user data dir, or ``--data-dir``."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "Doorloop"


def default_data_dir() -> Path:
    """The data dir: ``DOORLOOP_DATA_DIR`` when set, else the platform's user data dir."""
    override = os.environ.get("DOORLOOP_DATA_DIR")
    if override:
        return Path(override)
    import platformdirs  # only when no data dir is given

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


DATABASE_NAME = "doorloop.db"
TRAINING_DATABASE = Path("training") / "doorloop-training.db"


def database_path(data_dir: Path, *, training: bool = False) -> Path:
    """The encrypted database file: production and training never share one."""
    return data_dir / (TRAINING_DATABASE if training else DATABASE_NAME)
