"""The training code stays small enough to read: no function over 60 lines."""

import ast
from pathlib import Path

TRAINING = Path(__file__).resolve().parents[1] / "training"


def test_no_training_function_is_over_60_lines():
    long = []
    for path in sorted(TRAINING.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno + 1 > 60:
                long.append(f"{path.name}:{node.name} ({node.end_lineno - node.lineno + 1} lines)")
    assert long == []
