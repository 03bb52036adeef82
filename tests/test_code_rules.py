"""The rules the code keeps (README, "Architecture"), checked on every run.

They hold without a database: the code is read, not run.
"""

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bulletin", "changes", "notifications", "config")
BIN = Path(sys.executable).parent


def _source_files():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path
    yield ROOT / "manage.py"


def test_the_dependency_contracts_hold():
    """changes and notifications import no other app; texts never the digest; the digest reads texts through
    their selectors; no package-level circles (pyproject.toml, [tool.importlinter])."""
    result = subprocess.run(
        [BIN / "lint-imports", "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), i.e. import circles."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = 0

    def visit(module):
        nonlocal counter
        index[module] = low[module] = counter
        counter += 1
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_itself_in_a_circle():
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    assert _cycles(graph) == []


def test_imports_stand_at_the_top_of_a_module():
    """An import inside a function hides a circle or a slow start; only Django's app registry needs one
    (AppConfig.ready runs after every app's models are loaded), and manage.py keeps Django's own form."""
    allowed = {("apps.py", "ready"), ("manage.py", "main")}
    inside = []
    for path in _source_files():
        for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if (path.name, function.name) in allowed:
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    inside.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node)}")
    assert inside == []


def test_ruff_finds_nothing():
    result = subprocess.run(
        [BIN / "ruff", "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _queued_task_names() -> set[str]:
    names = set()
    for path in _source_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "enqueue_on_commit"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                names.add(node.args[0].value)
    return names


@pytest.mark.parametrize("source", ["enqueue_on_commit", "beat"])
def test_every_task_sent_by_name_is_one_the_worker_knows(source, settings):
    """Services queue tasks by name (so they need not import them): a typo would be queued and never run."""
    from config.celery import app

    app.loader.import_default_modules()
    if source == "beat":
        names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    else:
        names = _queued_task_names()
    assert names, "nothing found to check"
    assert names <= set(app.tasks), names - set(app.tasks)
