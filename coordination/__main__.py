"""``python -m coordination match|hsds-export|hsds-import ...`` (see coordination.cli)."""

from coordination.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
