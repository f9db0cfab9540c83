"""The event loop never waits on the database: no coroutine in the Telegram layer, the flows or
the app opens a session itself; each unit of work goes through `Database.run` (a worker thread).

A static check, so a new handler cannot slip back to `with db.session()` on the loop."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ON_THE_LOOP = [ROOT / "conversations", ROOT / "bot" / "telegram", ROOT / "bot" / "app.py"]


def _sessions_opened_in_coroutines(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            # Nested plain functions are what `Database.run` runs in its thread: allowed.
            if isinstance(inner, ast.With):
                for item in inner.items:
                    call = item.context_expr
                    if (
                        isinstance(call, ast.Call)
                        and isinstance(call.func, ast.Attribute)
                        and call.func.attr == "session"
                        and not _inside_plain_function(node, inner)
                    ):
                        found.append(f"{path.name}:{inner.lineno} in {node.name}")
    return found


def _inside_plain_function(coroutine: ast.AsyncFunctionDef, target: ast.AST) -> bool:
    for inner in ast.walk(coroutine):
        if isinstance(inner, ast.FunctionDef | ast.Lambda) and any(
            child is target for child in ast.walk(inner)
        ):
            return True
    return False


def test_no_coroutine_opens_a_database_session_on_the_event_loop() -> None:
    files = [p for base in ON_THE_LOOP for p in ([base] if base.is_file() else base.rglob("*.py"))]
    assert len(files) > 20
    offenders = [hit for path in files for hit in _sessions_opened_in_coroutines(path)]
    assert offenders == []


def test_the_check_finds_a_session_opened_in_a_coroutine(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "async def handler(svc):\n"
        "    with svc.db.session() as session:\n"
        "        pass\n"
        "    def work(session):\n"
        "        with other.session() as s:\n"
        "            pass\n"
    )
    assert _sessions_opened_in_coroutines(sample) == ["sample.py:2 in handler"]
