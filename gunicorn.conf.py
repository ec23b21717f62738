"""Gunicorn settings read automatically when gunicorn starts from the project root
(``gunicorn -w 4 -b 127.0.0.1:8000 'app:create_app()'``); command-line options win.

After a worker has built the app, its long-lived objects (modules, SQLAlchemy mappings,
marshmallow schemas, Flask routes: about 160,000 objects) are moved out of the garbage
collector's reach with ``gc.freeze()``. Otherwise every full (generation 2) collection walks
all of them: about 90 ms with the GIL held, so every request in that worker waits — the
largest part of the API's p99 at 200 requests/s (bench/RESULTS.md). Request garbage is still
collected as before.
"""

from __future__ import annotations

import gc
from typing import Any


def post_worker_init(worker: Any) -> None:
    gc.collect()
    gc.freeze()
