"""``python -m salesctl.events``: print the JSON Schema of the event format, or
``python -m salesctl.events --write DIR`` to write ``events.schema.json`` and
``event-format.md`` into ``DIR`` (the committed copies are in ``docs/``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from salesctl.events.schema import event_schema, write_docs

if len(sys.argv) == 3 and sys.argv[1] == "--write":
    write_docs(Path(sys.argv[2]))
else:
    print(json.dumps(event_schema(), indent=2, ensure_ascii=False))
