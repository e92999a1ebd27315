"""The floor plan holds: dependencies point one way, runtime code never reads a migration, domain code
never names a Celery task, and every kind of job has a task that runs it."""

import ast
import re
from importlib import import_module
from pathlib import Path

from django.apps import apps
from django.conf import settings

from core.models import Job
from pointbook.ledger import trigger_sql
from tasks.dispatch import TASKS

ROOT = Path(settings.BASE_DIR)
# Lower layers never import higher ones; packages on one layer never import each other.
LAYERS = {
    "core": 0,
    "volunteers": 1,
    "pointbook": 2,
    "spreadsheets": 3,
    "cms": 3,
    "tasks": 4,
    "demo": 5,  # the demo city and `manage.py rundev` (what `make run` starts)
    "config": 6,
}
DOMAIN = ("core", "volunteers", "pointbook", "spreadsheets", "cms", "demo")


def _modules(*packages):
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _imports(path):
    """Every module a file imports, at the top or inside a function, with the line."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, node.lineno
        elif isinstance(node, ast.ImportFrom):
            yield "." * node.level + (node.module or ""), node.lineno


def test_dependencies_point_one_way():
    back_edges = []
    for path in _modules(*LAYERS):
        own = path.relative_to(ROOT).parts[0]
        for module, line in _imports(path):
            other = module.split(".")[0]
            if other in LAYERS and other != own and LAYERS[other] >= LAYERS[own]:
                back_edges.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert back_edges == [], (
        "imports against the direction core ← volunteers ← pointbook ← spreadsheets/cms ← tasks ← demo"
    )


def test_imports_are_absolute():
    relative = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _modules(*LAYERS)
        if path.parts[-2:] != ("settings", path.name)  # settings modules extend .base
        for module, line in _imports(path)
        if module.startswith(".")
    ]
    assert relative == []


def test_runtime_code_never_imports_a_migration():
    offenders = []
    for path in _modules(*LAYERS, "bench"):
        text = path.read_text(encoding="utf-8")
        for module, line in _imports(path):
            if ".migrations" in module:
                offenders.append(f"{path.relative_to(ROOT)}:{line}")
        if re.search(r"import_module\([^)]*migrations", text):
            offenders.append(f"{path.relative_to(ROOT)}: import_module of a migration")
    assert offenders == []


def test_the_ledger_sql_is_what_the_migrations_installed():
    """The ledger package keeps the current trigger SQL; the migrations keep frozen copies. They agree."""
    append_only = import_module("pointbook.migrations.0002_ledger_append_only")
    totals = import_module("pointbook.migrations.0016_incentives")  # the totals trigger as recreated there
    assert (trigger_sql.APPEND_ONLY_SQLITE, trigger_sql.APPEND_ONLY_POSTGRES) == (
        append_only.SQLITE,
        append_only.POSTGRES,
    )
    assert (trigger_sql.TOTALS_SQLITE, trigger_sql.TOTALS_POSTGRES, trigger_sql.YEAR) == (
        totals.SQLITE,
        totals.POSTGRES,
        totals.YEAR,
    )


def test_domain_code_names_no_celery_task():
    offenders = []
    for path in _modules(*DOMAIN):
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            if re.search(r"""["']tasks\.\w+""", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
        for module, line in _imports(path):
            if module.split(".")[0] in ("celery", "tasks"):
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert offenders == [], "domain code records a job (core.jobs.job_enqueue); tasks/ turns it into Celery work"


def _enqueued_task_names():
    names = set()
    for path in _modules(*DOMAIN):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "job_enqueue":
                for keyword in node.keywords:
                    if keyword.arg == "task":
                        assert isinstance(keyword.value, ast.Constant), f"{path}: task names are literals"
                        names.add(keyword.value.value)
    return names


def test_every_kind_of_job_has_a_task():
    extending = {model.TASK for model in apps.get_models() if issubclass(model, Job) and model is not Job}
    assert extending == {"import", "export", "report"}
    enqueued = _enqueued_task_names()
    assert {"signup_email", "rescore", "standings_refresh", "honour_roll"} <= enqueued
    assert (extending | enqueued) - set(TASKS) == set(), "a job with no Celery task would wait for ever"
    assert set(TASKS) - (extending | enqueued) == set(), "a task no job uses"
