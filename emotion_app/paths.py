"""Where the app's files are: the repository in a checkout, or where ``pip install .`` put them
(``<prefix>/share/emotion-app``: the pages, the models, the assets, the Streamlit settings)."""

from __future__ import annotations

import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
INSTALLED = Path(sys.prefix) / "share" / "emotion-app"
ROOT = CHECKOUT if (CHECKOUT / "app.py").is_file() else INSTALLED
APP = ROOT / "app.py"
MODELS = ROOT / "models"
ASSETS = ROOT / "assets"
