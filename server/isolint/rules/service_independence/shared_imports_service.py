from __future__ import annotations

from typing import TYPE_CHECKING, Any

from isolint.core.model import Severity, Zone
from isolint.rules.service_independence.admission import may_import_service
from isolint.rules.service_independence.imports import ImportBoundaryRule, ResolvedImport

if TYPE_CHECKING:
    from isolint.core.context import PythonContext
    from isolint.core.source import SourceFile


class SharedImportsService(ImportBoundaryRule):
    """A shared package importing a service.

    ## What it does
    Flags code in a shared package (`shared`, `common`, `libs`…, or the `shared` option) that
    imports a service.

    ## Why is this bad?
    The dependency points the wrong way. Every service imports the shared package; once the
    shared package imports one service, every service transitively depends on that service —
    its settings, its database models, its import-time side effects — and the services are no
    longer independent.

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
    """

    code = "ISO602"
    name = "shared-imports-service"
    message = "Shared code imports `{module}` from service `{target}`; the dependency points the wrong way"
    severity = Severity.WARNING
    options = ("services", "shared")

    @classmethod
    def admits(cls, source: "SourceFile", project: Any) -> bool:
        # only shared code, and only when its bytes can name an import that resolves into a service
        return (super().admits(source, project) and source.zone is Zone.PRODUCTION and bool(project.services.services)
                and project.services.is_shared(source.rel_path)
                and may_import_service(source, project, exempt=None))

    def check(self, resolved: ResolvedImport, ctx: "PythonContext") -> None:
        if resolved.target_service is not None and not resolved.target_shared:
            ctx.report(self, resolved.node, module=resolved.target_module, target=resolved.target_service)
