"""Run the app as a real HTTP server in its own process (for the cross-process dedupe test).

Reads the test config as JSON from TEST_APP_CONFIG_JSON, binds 127.0.0.1 on a free port
and prints the port on its first line of stdout.
"""

from __future__ import annotations

import json
import os
import sys

from werkzeug.serving import make_server

sys.path.insert(0, os.getcwd())

from app import create_app


def main() -> None:
    app = create_app(json.loads(os.environ["TEST_APP_CONFIG_JSON"]))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
