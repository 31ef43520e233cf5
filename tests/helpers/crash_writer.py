"""Writes cases in a loop and prints each id after its commit (for the SIGKILL test)."""

from __future__ import annotations

import sys
from pathlib import Path

from desktop.store import actor_for, open_store


def main(data_dir: str, passphrase: str) -> None:
    store = open_store(Path(data_dir), passphrase)
    profile = store.profile() or store.create_profile("Kill Test", "desk")
    actor = actor_for(profile)
    print("open", flush=True)
    n = 0
    while True:
        n += 1
        case = store.cases.create(actor, answers={"youth.first_name": f"Kind {n}"})
        store.cases.save_answers(case.id, {"situation.reason": "x" * (n % 500)}, actor)
        print(case.id, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
