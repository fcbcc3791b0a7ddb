"""Training, evaluation and export of the emotion CNN (never imported by the app)."""

import os

# TensorFlow's C++ start-up lines on a CPU machine (oneDNN, "could not find cuda drivers", "failed
# call to cuInit") tell a user nothing; its real errors still raise in Python. Set before any
# module here imports TensorFlow (through Keras).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
