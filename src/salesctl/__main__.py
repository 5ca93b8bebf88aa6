"""``python -m salesctl``: the command line."""

from salesctl.cli import main

raise SystemExit(main())
