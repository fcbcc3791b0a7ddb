"""The environment variables the app reads, in one place (README, "Deployment")."""

from __future__ import annotations

import os
from collections.abc import Mapping

MODEL = "EMOTION_APP_MODEL"  # serve another trained .keras model
RUNTIME = "EMOTION_APP_RUNTIME"  # auto | tensorflow | litert | litert-int8
ICE_SERVERS = "EMOTION_APP_ICE_SERVERS"  # STUN/TURN servers for the webcam, a JSON list
DATA = "EMOTION_APP_DATA"  # training and the accuracy tests: the folder holding FER2013 and its FER+ votes


def read(name: str, default: str = "", environ: Mapping[str, str] | None = None) -> str:
    """The variable ``name`` (one of this module's constants), stripped, or ``default``."""
    return (environ if environ is not None else os.environ).get(name, "").strip() or default
