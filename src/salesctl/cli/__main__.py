"""``python -m salesctl.cli``: the command line (same as ``python -m salesctl``)."""

from salesctl.cli import main

raise SystemExit(main())
