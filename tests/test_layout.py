"""The shape of the package (DESIGN.md, "Layout: one folder per capability"), read from the imports.

- ``domain/`` imports neither Flask nor SQLAlchemy (nor Werkzeug);
- nothing imports ``views/`` or ``cli.py`` (only the factory, ``orgbuild/__init__.py``, wires them);
- no two capability folders import each other both ways;
- no prefix family (``survey_*.py``, ``progress_*.py`` …) is left flat in ``orgbuild/``;
- views and command-line modules never commit (services own the transaction).

Each check is a function of a package folder, so that the tests at the bottom can show it failing on
a small package that breaks the rule.
"""
from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "orgbuild"
FORBIDDEN_IN_DOMAIN = re.compile(r"^(flask|flask_\w+|sqlalchemy|werkzeug)(\.|$)")
PREFIX_FAMILY = re.compile(r"^(survey|progress|demo|account|import|cli|web|reconcile|quality|job|api)_\w+\.py$")


def module_name(package: Path, path: Path) -> str:
    """'orgbuild.campaign.actions' for orgbuild/campaign/actions.py (packages without '.__init__')."""
    parts = [package.name, *path.relative_to(package).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(package: Path, path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in `path`; ``from . import x`` counts as module ``pkg.x``."""
    name = module_name(package, path)
    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def modules(package: Path) -> dict[str, Path]:
    """Every module of the package by its absolute name."""
    return {module_name(package, p): p for p in sorted(package.rglob("*.py"))}


def internal_imports(package: Path) -> list[tuple[str, int, str]]:
    """(importer, line, imported module) for imports of the package's own modules."""
    known = modules(package)
    edges = []
    for importer, path in known.items():
        for line, target in imports_of(package, path):
            if target in known:
                edges.append((importer, line, target))
    return edges


def folder(package: Path, module: str) -> str | None:
    """The capability folder of a module ('campaign'), or None for a top-level module."""
    parts = module.split(".")
    if len(parts) >= 2 and (package / parts[1]).is_dir():
        return parts[1]
    return None


def domain_violations(package: Path) -> list[str]:
    """Imports of Flask, SQLAlchemy or Werkzeug inside ``domain/``, and of anything of the package
    outside ``domain/`` (the pure domain stands on its own)."""
    problems = []
    for path in sorted((package / "domain").rglob("*.py")):
        for line, target in imports_of(package, path):
            outside = target.startswith(package.name + ".") and folder(package, target) != "domain"
            if FORBIDDEN_IN_DOMAIN.match(target) or outside:
                problems.append(f"{path.relative_to(package.parent)}:{line} imports {target}")
    return sorted(set(problems))


def upward_violations(package: Path) -> list[str]:
    """Imports of ``views`` or ``cli`` from anywhere but the factory and the views themselves."""
    problems = []
    factory = package.name
    for importer, line, target in internal_imports(package):
        top = target.split(".")[1] if "." in target else ""
        if top not in ("views", "cli") or importer == factory:
            continue
        if top == "views" and folder(package, importer) == "views":
            continue
        problems.append(f"{importer}:{line} imports {target}")
    return sorted(set(problems))


def cycles_between_folders(package: Path) -> list[str]:
    """Pairs of capability folders that import each other (each way named once, with an example)."""
    example: dict[tuple[str, str], str] = {}
    for importer, line, target in internal_imports(package):
        a, b = folder(package, importer), folder(package, target)
        if a and b and a != b:
            example.setdefault((a, b), f"{importer}:{line} → {target}")
    pairs = []
    for (a, b), where in sorted(example.items()):
        if a < b and (b, a) in example:
            pairs.append(f"{a} ⇄ {b}: {where}; {example[(b, a)]}")
    return pairs


def flat_prefix_families(package: Path) -> list[str]:
    """Modules in the package's top folder whose name is a capability prefix (survey_reader.py …)."""
    return sorted(p.name for p in package.glob("*.py") if PREFIX_FAMILY.match(p.name))


def commits_outside_services(package: Path) -> list[str]:
    """``….commit()`` calls in the views and the command-line modules."""
    candidates = [*package.glob("views/**/*.py"), package / "cli.py", *package.glob("*/cli.py")]
    problems = []
    for path in sorted(p for p in candidates if p.exists()):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "commit":
                problems.append(f"{path.relative_to(package.parent)}:{node.lineno}")
    return problems


CHECKS = [domain_violations, upward_violations, cycles_between_folders, flat_prefix_families,
          commits_outside_services]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_the_package_keeps_its_shape(check):
    assert check(PACKAGE) == []


def test_every_folder_says_what_it_owns():
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc) > 40, f"{init.relative_to(PACKAGE.parent)} needs a docstring"


def test_the_layout_of_design_md_is_there():
    for name in ("domain", "campaign", "imports", "progress", "accounts", "demo", "web", "views"):
        assert (PACKAGE / name / "__init__.py").is_file(), name
    for name in ("policy.py", "audit.py", "models.py", "config.py", "extensions.py", "cli.py"):
        assert (PACKAGE / name).is_file(), name


# --- the checks fail on a package that breaks the rules ------------------------------------------

def write_package(root: Path, files: dict[str, str]) -> Path:
    """A small package `pkg` under `root` with the given files (relative path → source)."""
    package = root / "pkg"
    for relative, source in files.items():
        path = package / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    for folder_path in [package, *[p for p in package.rglob("*") if p.is_dir()]]:
        (folder_path / "__init__.py").touch()
    return package


def test_the_checks_catch_forbidden_imports(tmp_path):
    package = write_package(tmp_path, {
        "__init__.py": "from . import cli, views\n",
        "cli.py": "from .campaign import actions\n",
        "domain/rules.py": "import flask\nfrom sqlalchemy import select\n",
        "domain/workflow.py": "from ..models import Organization\n",
        "models.py": "",
        "campaign/actions.py": "from ..progress import figures\nfrom .. import cli\n",
        "progress/figures.py": "from ..campaign.actions import local_today\nfrom ..views import helpers\n",
        "views/helpers.py": "from ..campaign import actions\ndef save(db):\n    db.session.commit()\n",
        "survey_reader.py": "",
    })
    assert domain_violations(package) == [
        "pkg/domain/rules.py:1 imports flask",
        "pkg/domain/rules.py:2 imports sqlalchemy",
        "pkg/domain/rules.py:2 imports sqlalchemy.select",
        "pkg/domain/workflow.py:1 imports pkg.models",
        "pkg/domain/workflow.py:1 imports pkg.models.Organization",
    ]
    assert upward_violations(package) == [
        "pkg.campaign.actions:2 imports pkg.cli",
        "pkg.progress.figures:2 imports pkg.views",
        "pkg.progress.figures:2 imports pkg.views.helpers",
    ]
    assert cycles_between_folders(package) == [
        "campaign ⇄ progress: pkg.campaign.actions:1 → pkg.progress; pkg.progress.figures:1 → pkg.campaign.actions"
    ]
    assert flat_prefix_families(package) == ["survey_reader.py"]
    assert commits_outside_services(package) == ["pkg/views/helpers.py:3"]


def test_the_checks_pass_a_well_layered_package(tmp_path):
    package = write_package(tmp_path, {
        "__init__.py": "from . import cli, views\n",
        "cli.py": "from .progress import figures\n",
        "domain/rules.py": "import re\n",
        "campaign/actions.py": "from ..domain import rules\n",
        "progress/figures.py": "from ..campaign.actions import local_today\n",
        "views/helpers.py": "from . import other\nfrom ..progress import figures\n",
        "views/other.py": "",
    })
    assert [check(package) for check in CHECKS] == [[], [], [], [], []]
