"""Runs one sync of a desk's store (for the kill-between-send-and-ack test)."""

from __future__ import annotations

import sys
from pathlib import Path

from desktop.store import open_store
from desktop.sync import Backoff, SyncEngine


def main(data_dir: str, passphrase: str) -> None:
    store = open_store(Path(data_dir), passphrase)
    engine = SyncEngine(store, use_keyring=False, backoff=Backoff(base=0.05, cap=0.2))
    print("syncing", flush=True)
    engine.sync()
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
