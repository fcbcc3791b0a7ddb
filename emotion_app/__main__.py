"""``python -m emotion_app``: the ``emotion-app`` command (see emotion_app/cli.py)."""

import sys

from emotion_app.cli import main

sys.exit(main())
