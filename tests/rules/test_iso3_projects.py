"""Session factories defined in one module and used in another are the same factory: the
ISO3xx rules see them through the ProjectIndex (``session-factories`` facts)."""

from __future__ import annotations

from pathlib import Path

from isolint.api import lint_paths
from isolint.core.metrics import FileView, MetricInput
from isolint.rules.lifecycle.metrics import session_context_managers
from isolint.rules.lifecycle.model import ProjectFactories
from tests.support.projects import assert_findings_match_markers

PROJECTS = Path(__file__).resolve().parents[1] / "fixtures" / "projects"


def test_imported_factories_are_tracked_across_modules() -> None:
    assert_findings_match_markers(PROJECTS / "iso3_factories")


def test_factories_are_facts_of_their_defining_module() -> None:
    run = lint_paths([PROJECTS / "iso3_factories"], jobs=1)
    (project,) = run.projects.values()
    facts = project.facts("session-factories")
    session_module = facts["services/orders/app/db/session.py"]["definitions"]
    assert session_module["make_orders_session"] == {"kind": "session-factory", "async": False, "library": "SQLAlchemy"}
    assert session_module["ReadReplica"]["async"] is True
    # a helper returning an imported factory's session is resolved through the facts, lazily
    helper = facts["services/orders/app/db/__init__.py"]["definitions"]["open_report_session"]
    assert helper == {"kind": "forward", "function": True, "via": "services.orders.app.db.session.make_orders_session"}
    resolved = ProjectFactories.of(project).definition("app.db.open_report_session",
                                                       "services/orders/app/repositories/orders.py")
    assert resolved == {"kind": "session", "async": False, "library": "SQLAlchemy", "function": True}


def test_context_manager_share_counts_imported_factories_per_service() -> None:
    run = lint_paths([PROJECTS / "iso3_factories"], jobs=1)
    views = [FileView(r.source.rel_path, r.source.settings.root, r.source.zone, r.source.service,
                      r.source.language, tuple(r.findings), r.source) for r in run.results]
    result = session_context_managers(MetricInput(views, run.projects))
    assert result is not None
    # managed: 2 in managed(), managed_async(), 1 in latest_unawaited(), 1 in blocking() (with),
    # 2 connections in ping(); unmanaged: the three ISO301 findings
    assert result.detail.startswith("6 of 9 ")
    assert result.per_service == {"orders": round(100 * 6 / 9, 1)}
    assert not result.passed


def test_zero_config_engine_owner_and_migration_env_are_not_scattered_engines() -> None:
    # app/db/engine.py owns the engine; alembic/env.py neither reports nor counts (QA on fief-server)
    assert_findings_match_markers(PROJECTS / "iso3_engine_owners")


def test_session_scopes_and_dependencies_are_learned_from_the_project() -> None:
    # a @contextmanager scope, a FastAPI dependency and a type alias defined in one module, used
    # from coroutines in another: the sync session they give blocks the event loop there
    run = assert_findings_match_markers(PROJECTS / "iso3_session_scopes")
    (project,) = run.projects.values()
    definitions = project.facts("session-factories")["backend/api/app/db/scopes.py"]["definitions"]
    assert definitions["session_scope"] == {"kind": "forward", "function": True, "yields": True,
                                            "via": "app.db.engine.make_session"}
    assert definitions["DbSession"]["alias"] is True
    resolved = ProjectFactories.of(project).definition("app.db.scopes.get_db_session",
                                                       "backend/api/app/routes/items.py")
    assert resolved == {"kind": "session", "async": False, "library": "SQLAlchemy", "function": True, "yields": True}


def test_sessions_reached_through_repositories_of_other_modules() -> None:
    # a controller base declares the session, a package re-exports the repositories, a service
    # holds them: the coroutine's calls through them block, its calls that touch no session do not
    run = assert_findings_match_markers(PROJECTS / "iso3_carriers")
    (project,) = run.projects.values()
    facts = project.facts("session-carriers")
    assert facts["backend/api/app/routes/base.py"]["classes"]["_BaseController"]["attrs"]["session"] == ["S:SQLAlchemy"]
    service = facts["backend/api/app/services/recipes.py"]["classes"]["RecipeService"]
    assert service["attrs"]["repos"] == ["C:app.repos.Repositories"]
    assert service["methods"]["create_one"] == ["repos"]
    manager = facts["backend/api/app/manager/database.py"]
    assert manager["classes"]["DatabaseManager"]["methods"]["get"] == ["S:SQLAlchemy"]
    assert manager["classes"]["DatabaseManager"]["methods"]["describe"] == []
    assert manager["returns"]["get_manager"] == ["C:backend.api.app.manager.database.DatabaseManager"]
    connection = facts["backend/api/app/manager/connection.py"]
    assert connection["objects"]["db_connection"] == ["C:backend.api.app.manager.connection.DBConnection"]
    assert connection["classes"]["DBConnection"]["attrs"]["session"] == ["S:SQLAlchemy"]
    assert connection["classes"]["BaseModel"]["attrs"]["query"] == ["G:backend.api.app.manager.connection.db_connection#session"]


def test_a_class_building_its_own_engine_is_an_engine_to_its_callers() -> None:
    # Exporter builds an engine in __init__ and never disposes of it: the test that constructs
    # one leaves a pool behind, although its file names no engine factory
    run = lint_paths([PROJECTS / "iso3_carriers"], jobs=1)
    (project,) = run.projects.values()
    definitions = project.facts("session-factories")["backend/api/app/services/exporter.py"]["definitions"]
    assert definitions["Exporter"] == {"kind": "engine", "async": False, "library": "SQLAlchemy",
                                       "owned_by_class": True, "function": True}


def test_migration_code_is_a_tree_outside_tests() -> None:
    """A migration tree's code runs once per deployment; a test of migrations is a test, whether
    its zone comes from the source (a Zone) or from the lifecycle facts (its value)."""
    from isolint.core.model import Zone
    from isolint.rules.lifecycle.placement import in_migration_tree

    assert in_migration_tree("api/databases/postgres/migrations/utils.py", Zone.PRODUCTION)
    assert in_migration_tree("api/databases/postgres/migrations/utils.py", "production")
    assert not in_migration_tree("tests/integration/db_migrations/conftest.py", Zone.INTEGRATION_TEST)
    assert not in_migration_tree("tests/integration/db_migrations/conftest.py", "integration-test")
    assert not in_migration_tree("server/polar/merchant_migration/service.py", Zone.PRODUCTION)


def test_sessions_opened_by_inherited_methods_are_tracked() -> None:
    # ``self.get_raw_session()`` of a base DAO in another module (re-exported by its package),
    # and ``self._open()`` of a base in the same module, open a session the caller must close;
    # a getter of a held session, a scoped_session registry's call, a @contextmanager method and
    # a subclass overriding the method with a getter do not
    run = assert_findings_match_markers(PROJECTS / "iso3_dao_sessions")
    (project,) = run.projects.values()
    classes = project.facts("session-factories")["services/catalog/app/db/base_dao.py"]["classes"]
    assert classes == {"BaseDao": {"methods": {"get_raw_session": {"kind": "session", "async": False,
                                                                   "library": "SQLAlchemy"}}}}
