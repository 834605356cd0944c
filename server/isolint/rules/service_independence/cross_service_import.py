from __future__ import annotations

from typing import TYPE_CHECKING, Any

from isolint.core.model import Severity
from isolint.rules.service_independence.admission import may_import_names, may_import_service
from isolint.rules.service_independence.imports import (
    ImportBoundaryRule,
    ResolvedImport,
    importing_service,
    is_public_part,
)

if TYPE_CHECKING:
    from isolint.core.context import PythonContext
    from isolint.core.source import SourceFile


#: the last part of a module that only configures or hands out loggers
LOGGING_HELPER_MODULES = frozenset({"logger", "loggers", "logging", "log", "logs", "log_config", "logging_config",
                                    "logger_config", "log_utils", "logging_utils"})


def is_logging_helper(module: str) -> bool:
    """``api.logger``, ``app.utils.logging``: a module that only hands out loggers."""
    return module.rsplit(".", 1)[-1] in LOGGING_HELPER_MODULES


def as_imported(resolved: ResolvedImport) -> str:
    """The module as the import spells it (``quivr_api.logger``) as far as it names the file
    loaded, else the file's dotted name from the project root (``backend.api.quivr_api.logger``)."""
    target = resolved.target_module
    # ``from app_a.utils.logger import setup_logger`` is met as ``app_a.utils.logger.setup_logger``;
    # an import of a module that does not exist loads its nearest existing package
    parts = resolved.module.split(".")
    for end in range(len(parts), 0, -1):
        written = ".".join(parts[:end])
        if target == written or target.endswith("." + written):
            return written
    return target


def reaches_past_exports(resolved: ResolvedImport, ctx: "PythonContext") -> bool:
    """Whether an import of a declared library names a submodule past the public face its
    package declares: the package's ``__init__.py`` lists ``__all__`` and the import is of a
    module below it (``from jockey.backend.models.image import Image``) whose name it does not
    export. A package that declares no ``__all__`` is used as its author left it."""
    top, _, rest = resolved.module.partition(".")
    if not rest:
        return False
    package = ctx.project.resolve_module(top, ctx.source.rel_path, ())
    if package is None or not package.endswith("/__init__.py") or package == resolved.target_rel:
        return False
    exported = ctx.project.exported_names(package)
    return exported is not None and resolved.module.rsplit(".", 1)[-1] not in exported


class CrossServiceImport(ImportBoundaryRule):
    """One service importing another service's internal modules.

    ## What it does
    Flags a module, in one service's code or its own tests, that imports another service's
    internal modules — absolute, relative, star, inside a function or a `TYPE_CHECKING` block,
    through `importlib.import_module("…")` with a literal name, or from a folder the module put
    on `sys.path` — once per service reached, its other imports of it as related locations; so
    is a separately packaged part of the repository importing the application the root manifest
    ships (`mage_ai/` of the root `setup.py`) that its own manifest does not declare. Services are detected with zero configuration (folders with an entry point,
    requirements, a Dockerfile or a pyproject, side by side or at the top; folders container
    images copy and run) or declared with `services`. Imports resolve from the folders the code
    is imported from — `backend/` when `backend/model_server/` is imported as `model_server`
    (see [Services](../configuration.md#services)).

    ## Why is this bad?
    Services are deployed separately. An import of another service's internals couples their
    releases, drags that service's configuration, database models and start-up side effects into
    this one, and breaks when the other team refactors. The audit that isolint comes from lists
    it among the service independence violations: shared code belongs in the shared package,
    and cross-service calls go over an API.

    ## Example
    ```python
    # services/backend/app/routes.py
    from services.auth.app.security import verify_token
    ```
    ```python
    # services/auth/app/security.py
    def verify_token(token: str) -> bool: ...
    ```

    ## Use instead
    ```python
    # services/backend/app/routes.py
    from shared.auth import verify_token
    ```
    ```python
    # shared/auth.py
    def verify_token(token: str) -> bool: ...
    ```

    ## Known look-alikes
    - Shared packages (`shared`, `common`, `shared_configs`…, a package several images copy).
    - A service's public face: folders named `client`, `sdk`, `public`, `contracts` or
      `interface(s)`.
    - End-to-end and integration suites outside every service, test helpers
      (`test_framework/`), development launchers and scripts.
    - A library: the one the root `pyproject.toml` ships, or one the importer's manifest
      declares (or a package it declares does, as an installer installs it with them) that is
      published or not deployed on its own (a declared but deployed, unpublished
      workspace package of another service is still reported), used through the names its
      package's `__all__` exports, if it lists any.

    ## Options
    - `services`, `shared`: declare what zero-config detection would guess.
    - `check-test-imports`: flag cross-service imports in a service's own tests — inside its
      folder, or unit tests in a test tree that names it (`tests/unit/model_server/…`) — on by
      default; off leaves every test alone.
    """

    code = "ISO601"
    name = "cross-service-import"
    message = "Service `{importer}` imports `{module}`, an internal module of service `{target}`"
    severity = Severity.WARNING
    options = ("services", "shared", "check-test-imports")

    @classmethod
    def admits(cls, source: "SourceFile", project: Any) -> bool:
        # only a file inside a service, when there is another service (or the repository's own
        # application) to import from and the file's bytes can name an import that resolves into it
        if not (super().admits(source, project) and project.services.services):
            return False
        importer = importing_service(source, project.services)
        if importer is None:
            return False
        if len(project.services.services) > 1 and may_import_service(source, project, exempt=importer):
            return True
        # a service importing the repository's own application (the root manifest's packages)
        return source.service is not None and may_import_names(source, project.root_distribution_packages())

    def begin_file(self, ctx: "PythonContext") -> None:
        super().begin_file(ctx)
        #: per service reached: (import node, module) in the order met
        self.reaches: dict[str, list[tuple[Any, str]]] = {}

    def check(self, resolved: ResolvedImport, ctx: "PythonContext") -> None:
        importer = importing_service(ctx.source, ctx.project.services)
        target = resolved.target_service
        if target is None and ctx.source.service is not None and not resolved.target_shared:
            # the repository's own application, imported by a separately packaged part of it
            application = ctx.project.undeclared_root_distribution(ctx.source.rel_path, resolved.target_rel)
            if application is not None:
                self.reaches.setdefault(application, []).append((resolved.node, as_imported(resolved)))
            return
        if target is None or target == importer or resolved.target_shared:
            return
        if is_public_part(resolved.target_rel, ctx.project.services.services[target]):
            return
        if (importer is not None and ctx.project.declares_dependency(importer, target)
                and not reaches_past_exports(resolved, ctx)):
            return  # installed as a library (its manifest says so), used through its public face
        self.reaches.setdefault(target, []).append((resolved.node, as_imported(resolved)))

    def end_file(self, ctx: "PythonContext") -> None:
        # one finding per service reached: the module depends on that service's internals; the
        # other imports of it are the same problem's other places. The finding sits on the
        # first import of the other service's real internals, an import of its logging helper
        # (`from api.logger import get_logger`, the least telling) only when there is no other
        importer = importing_service(ctx.source, ctx.project.services)
        for target, reaches in self.reaches.items():
            reaches.sort(key=lambda reach: (is_logging_helper(reach[1]), reach[0].lineno, reach[0].col_offset))
            (first, module), others = reaches[0], reaches[1:]
            ctx.report(self, first, importer=importer, module=module, target=target,
                       related=[(node, f"also imports `{other}` of service `{target}`") for node, other in others])
