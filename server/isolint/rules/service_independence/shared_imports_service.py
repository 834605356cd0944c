from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pathlib import PurePosixPath

from isolint.core.model import Severity, Zone
from isolint.rules.service_independence.admission import may_import_names, may_import_service
from isolint.rules.service_independence.cross_service_import import as_imported, is_logging_helper
from isolint.rules.service_independence.imports import ImportBoundaryRule, ResolvedImport

if TYPE_CHECKING:
    from isolint.core.context import PythonContext
    from isolint.core.source import SourceFile

#: the name of an application package's own shared layer (``mage_ai/shared/``)
LAYER_NAMES = frozenset({"shared", "common", "commons"})
#: an application package's configuration (``mage_ai/settings/``): every layer may read it
CONFIGURATION_NAMES = frozenset({"settings", "config", "configs", "conf", "configuration", "env", "environment"})


def shared_layer_of(rel_path: str) -> tuple[str, str] | None:
    """(package folder, its shared layer folder) when ``rel_path`` lies in the shared layer
    directly inside a package (``mage_ai/shared/parsers.py`` → ``mage_ai``, ``mage_ai/shared``)."""
    parts = PurePosixPath(rel_path).parts
    for index in range(1, len(parts) - 1):
        if parts[index] in LAYER_NAMES:
            package = "/".join(parts[:index])
            return package, f"{package}/{parts[index]}"
    return None


class SharedImportsService(ImportBoundaryRule):
    """A shared package importing a service.

    ## What it does
    Flags code in a shared package (`shared`, `common`, `libs`…, or the `shared` option) that
    imports a service. A package's own shared layer (`mage_ai/shared/`, `app/common/`, directly
    inside a top-level package) is held to the same: it may import its own modules, the
    package's configuration (`settings`, `config`) and logging helpers, not the rest of the
    package — one finding per module, its other such imports related.

    ## Why is this bad?
    The dependency points the wrong way. Every service imports the shared package; once the
    shared package imports one service, every service transitively depends on that service —
    its settings, its database models, its import-time side effects — and the services are no
    longer independent. A shared layer that imports its application's database models or
    pipeline internals drags them into everything built on it.

    ## Example
    ```python
    # shared/notifications.py
    from services.backend.app.db.models import User
    ```
    ```python
    # services/backend/app/db/models.py
    class User: ...
    ```

    ## Use instead
    ```python
    # shared/notifications.py
    from shared.schemas import UserRef
    ```
    ```python
    # shared/schemas.py
    class UserRef: ...
    ```

    ## Known look-alikes
    - A service importing the shared package: the dependency points the right way.
    - Shared code importing shared code.
    - A shared layer reading its package's settings or a logging helper; a `shared/` folder
      deeper in a package (`app/routes/shared/`), shared only by its neighbours.
    """

    code = "ISO602"
    name = "shared-imports-service"
    message = "Shared code imports `{module}` from {owner}; the dependency points the wrong way"
    severity = Severity.WARNING
    options = ("services", "shared")

    @classmethod
    def admits(cls, source: "SourceFile", project: Any) -> bool:
        # only shared code, and only when its bytes can name an import that resolves into a
        # service — or, for a package's own shared layer, into the package
        if not (super().admits(source, project) and source.zone is Zone.PRODUCTION):
            return False
        if project.services.is_shared(source.rel_path):
            return bool(project.services.services) and may_import_service(source, project, exempt=None)
        layer = shared_layer_of(source.rel_path)
        # ``from ..db import models`` climbs out of the layer as well
        return layer is not None and may_import_names(source, frozenset({PurePosixPath(layer[0]).name}), dots=2)

    def begin_file(self, ctx: "PythonContext") -> None:
        super().begin_file(ctx)
        self.layer = None if ctx.project.services.is_shared(ctx.source.rel_path) else shared_layer_of(ctx.source.rel_path)
        if self.layer is not None and ctx.project.resolve_module(
                PurePosixPath(self.layer[0]).name, ctx.source.rel_path) != f"{self.layer[0]}/__init__.py":
            self.layer = None  # the folder above is no top-level package the code imports by name
        #: imports of the package's application code: (import node, module) in the order met
        self.upward: list[tuple[Any, str]] = []

    def check(self, resolved: ResolvedImport, ctx: "PythonContext") -> None:
        if resolved.target_service is not None and not resolved.target_shared:
            if ctx.project.services.is_shared(ctx.source.rel_path):
                ctx.report(self, resolved.node, module=resolved.target_module, owner=f"service `{resolved.target_service}`")
            return
        if self.layer is not None and self._is_application_code(resolved) and all(
                node is not resolved.node for node, _ in self.upward):  # one per statement
            self.upward.append((resolved.node, as_imported(resolved)))

    def _is_application_code(self, resolved: ResolvedImport) -> bool:
        """An import from the shared layer into the rest of its own package: not the package's
        face (``__init__``), its configuration or a logging helper."""
        package, layer = self.layer  # type: ignore[misc]
        target = resolved.target_rel
        if not target.startswith(package + "/") or target.startswith(layer + "/"):
            return False
        inside = PurePosixPath(target).relative_to(package).parts
        first = PurePosixPath(inside[0]).stem
        return (len(inside) > 1 or first != "__init__") and first not in CONFIGURATION_NAMES \
            and first not in LAYER_NAMES and not is_logging_helper(as_imported(resolved))

    def end_file(self, ctx: "PythonContext") -> None:
        # one finding per module: its first import of application code, the others related
        if not self.upward:
            return
        (first, module), others = self.upward[0], self.upward[1:]
        package = PurePosixPath(self.layer[0]).name  # type: ignore[index]
        ctx.report(self, first, module=module, owner=f"the application code of package `{package}`",
                   related=[(node, f"also imports `{other}` of `{package}`") for node, other in others])
