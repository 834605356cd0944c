"""The ISO3xx family's work is shared within a check and across keystrokes, and sharing never
changes an answer: the model the ``session-factories`` indexer scanned serves the rules when the
project cannot change it, and the project's factory lookup is updated per changed file."""

from __future__ import annotations

import ast
import random
from pathlib import Path

from isolint.core.config import Settings
from isolint.core.modules import ImportMap
from isolint.engine.checker import check_source
from isolint.engine.project import ProjectIndex
from isolint.core.source import SourceFile
from isolint.rules.lifecycle.model import FACT_KIND, SHARED_MODEL, FileModel, ProjectFactories
from isolint.rules.lifecycle.session_factories import SessionFactoryIndexer

REPOSITORY = '''\
from contextlib import contextmanager

from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from app.db import make_session, open_reports

engine = create_engine(DATABASE_URL)
SessionLocal = sessionmaker(bind=engine)


def new_session():
    return SessionLocal()


def reports_session():
    return open_reports()


def imported_session():
    session = make_session()
    return session


class Repository:
    def __init__(self) -> None:
        self.Session = sessionmaker(bind=engine)


@contextmanager
def scoped():
    session = SessionLocal()
    try:
        yield session
    finally:
        session.close()


def load(user_id):
    session = make_session()
    user = session.get(User, user_id)
    session.close()
    return user
'''

DB_MODULE = '''\
from sqlalchemy.orm import sessionmaker

make_session = sessionmaker()
'''


def _source(root: Path, rel_path: str, text: str) -> SourceFile:
    return SourceFile.from_text(root / rel_path, text, Settings(root=root), service="orders")


def _state(model: FileModel) -> tuple:
    return model.names, model.functions, model.forwarding, model.class_attrs


def _project(root: Path, files: dict[str, str]) -> ProjectIndex:
    for rel_path, text in files.items():
        (root / rel_path).parent.mkdir(parents=True, exist_ok=True)
        (root / rel_path).write_text(text)
    project = ProjectIndex(Settings(root=root))
    for rel_path, text in files.items():
        source = _source(root, rel_path, text)
        facts = SessionFactoryIndexer().extract(source, ast.parse(text))
        project.update(rel_path, {FACT_KIND: facts} if facts else {})
    return project


def _model_for(source: SourceFile, tree: ast.Module, project: ProjectIndex | None) -> tuple[FileModel, FileModel]:
    imports = ImportMap(source.module, source.name == "__init__.py")
    imports.record_module_level(tree)
    return (FileModel.of(source, tree, imports.qualified_name, project),
            FileModel(tree, imports.qualified_name, project, source.rel_path))


def test_shared_scan_serves_a_project_that_cannot_change_it(tmp_path: Path) -> None:
    project = _project(tmp_path, {"services/orders/app/other.py": "x = 1\n"})
    source = _source(tmp_path, "services/orders/app/repository.py", REPOSITORY)
    tree = ast.parse(REPOSITORY)
    shared, fresh = _model_for(source, tree, project)
    assert _state(shared) == _state(fresh)
    assert "app.db.make_session" in shared.project_lookups
    # the scan is made once per parse and reused, not repeated
    again, _ = _model_for(source, tree, None)
    assert again.names is shared.names and source.scratch.get(SHARED_MODEL)[0] is tree


def test_a_project_that_knows_a_looked_up_name_gets_its_own_scan(tmp_path: Path) -> None:
    project = _project(tmp_path, {"services/orders/app/db.py": DB_MODULE})
    source = _source(tmp_path, "services/orders/app/repository.py", REPOSITORY)
    tree = ast.parse(REPOSITORY)
    shared, fresh = _model_for(source, tree, project)
    project_free, _ = _model_for(source, tree, None)
    assert _state(shared) == _state(fresh)
    # the project's definition of make_session changes what imported_session() returns
    assert "imported_session" in fresh.functions and "imported_session" not in project_free.functions
    assert shared.names is not project_free.names


def test_a_check_with_the_indexer_finds_what_the_rules_find_alone(tmp_path: Path) -> None:
    project = _project(tmp_path, {"services/orders/app/db.py": DB_MODULE})
    source = _source(tmp_path, "services/orders/app/repository.py", REPOSITORY)
    result = check_source(source, project)  # the indexer's scan serves the rules
    assert source.scratch.get(SHARED_MODEL) is None  # one check's scratch is not kept with the result (nor the parse in it)
    assert "ISO301" in {finding.code for finding in result.findings}  # load(): closed only on success
    alone = check_source(_source(tmp_path, "services/orders/app/repository.py", REPOSITORY), project,
                         known_facts=result.facts)  # no indexer: the rules scan for themselves
    assert [f.to_json() for f in alone.findings] == [f.to_json() for f in result.findings]


def _definitions(rng: random.Random) -> dict:
    names = ["SessionLocal", "engine", "get_session", "pool", "Reports", "client"]
    kinds = [{"kind": "session-factory", "async": False, "library": "SQLAlchemy"},
             {"kind": "engine", "async": True, "library": "SQLAlchemy"},
             {"kind": "forward", "function": True, "via": "app.db.SessionLocal"}]
    return {name: rng.choice(kinds) for name in rng.sample(names, rng.randint(0, 3))}


def _lookup_state(lookup: ProjectFactories) -> dict:
    return {name: [(module, path, fact) for module, path, fact in entries]
            for name, entries in lookup.by_name.items()}


def test_factory_lookup_updated_per_changed_file_equals_a_rebuild(tmp_path: Path) -> None:
    rng = random.Random(11)
    project = ProjectIndex(Settings(root=tmp_path))
    paths = [f"services/s{n % 3}/app/m{n}.py" for n in range(40)]
    for path in paths:
        project.update(path, {FACT_KIND: {"module": path[:-3].replace("/", "."), "definitions": _definitions(rng)}})
    for step in range(60):
        path = rng.choice(paths)
        if step % 7 == 0:
            project.remove(path)
        else:
            project.update(path, {FACT_KIND: {"module": path[:-3].replace("/", "."), "definitions": _definitions(rng)}})
        if step % 5 == 0:  # another fact kind changes: same definitions, new generation
            project.update(path, {**project.file_facts(path), "ws_messages_python": {"step": step}})
        incremental = ProjectFactories.of(project)
        rebuilt = ProjectFactories(project.facts(FACT_KIND), project.services.service_of, project.resolve_module)
        assert _lookup_state(incremental) == _lookup_state(rebuilt)
        for name in ("SessionLocal", "engine", "get_session"):
            for path in paths[:5]:
                assert incremental.definition(f"app.m1.{name}", path) == rebuilt.definition(f"app.m1.{name}", path)


def test_the_census_skips_only_functions_without_anything_to_count() -> None:
    from isolint.rules.lifecycle.libraries import CALLBACK_REGISTRATIONS, OWNERSHIP_CALLS
    from isolint.rules.lifecycle.session_factories import _COUNTED_WORDS, census

    # every name the tracker enters a binding through is caught by the words
    assert all(any(word in name for word in _COUNTED_WORDS) for name in OWNERSHIP_CALLS | CALLBACK_REGISTRATIONS)
    text = '''\
from sqlalchemy import create_engine as make_engine
from app.db import SessionLocal


def plain():
    session = SessionLocal()
    return session.query(User).all()


def managed():
    with SessionLocal() as session:
        return session.query(User).all()


def closed():
    session = SessionLocal()
    try:
        return session.query(User).all()
    finally:
        session.close()


def engine_per_call():
    return make_engine(URL)
'''
    source = SourceFile.from_text(Path("/p/services/orders/app/repo.py"), text, Settings(root=Path("/p")))
    tracker, engines = census(source, ast.parse(text))
    walked = {getattr(scope.node, "name", "<module>") for scope in tracker.all_scopes}
    assert walked == {"<module>", "managed", "closed", "engine_per_call"}
    assert engines == [23]  # found through the alias
    facts = SessionFactoryIndexer().extract(source, ast.parse(text))
    assert facts is not None and facts["with_creations"] == {"known": 2, "pending": []}  # managed(), closed()
