"""The frozen build's entry script: the same ``main`` as the ``doorloop`` console script."""

from desktop.__main__ import main

if __name__ == "__main__":
    raise SystemExit(main())
