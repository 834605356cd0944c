from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from isolint.core.model import Severity
from isolint.rules.service_independence.imports import ImportBoundaryRule, ResolvedImport

if TYPE_CHECKING:
    from isolint.core.context import PythonContext
    from isolint.core.source import SourceFile


def _within(module: str, prefixes: list[str]) -> str | None:
    """The prefix ``module`` falls under (``a.b`` is within ``a``), if any."""
    return next((p for p in prefixes if module == p or module.startswith(p + ".")), None)


def broken_contract(contract: dict[str, Any], importer: str, imported: str) -> str | None:
    """Why ``importer`` importing ``imported`` breaks ``contract`` (import-linter semantics), or None."""
    kind = contract.get("type")
    if kind == "forbidden":
        if _within(importer, contract.get("source_modules", [])) and _within(imported, contract.get("forbidden_modules", [])):
            return "forbidden"
    elif kind == "independence":
        modules = contract.get("modules", [])
        source, target = _within(importer, modules), _within(imported, modules)
        if source and target and source != target:
            return f"`{source}` and `{target}` must be independent"
    elif kind == "layers":
        for layers, levels in _layer_levels(contract):
            source = next((i for i, names in enumerate(levels) if _within(importer, names)), None)
            target = next((i for i, names in enumerate(levels) if _within(imported, names)), None)
            if source is not None and target is not None and target < source:
                return f"layer `{layers[source]}` must not import the higher layer `{layers[target]}`"
    return None


def may_break(contract: dict[str, Any], importer: str) -> bool:
    """Whether some import inside ``importer`` could break ``contract`` (``broken_contract``
    needs the importer on the contract's source side): decided before parsing the module."""
    kind = contract.get("type")
    if kind == "forbidden":
        return bool(contract.get("forbidden_modules")) and _within(importer, contract.get("source_modules", [])) is not None
    if kind == "independence":
        return _within(importer, contract.get("modules", [])) is not None
    if kind == "layers":  # the top layer imports anything below it
        return any(_within(importer, names) for _, levels in _layer_levels(contract) for names in levels[1:])
    return False


def _layer_levels(contract: dict[str, Any]) -> Iterator[tuple[list[str], list[list[str]]]]:
    """Per container: the layers' full names, and each level's modules."""
    for container in contract.get("containers", [""]):
        layers = [f"{container}.{layer}" if container else layer for layer in contract.get("layers", [])]
        yield layers, [_level(layer) for layer in layers]


def _level(layer: str) -> list[str]:
    # import-linter writes independent siblings of one layer as "a | b"
    return [part.strip() for part in layer.split("|")]


class ImportContractViolation(ImportBoundaryRule):
    """An import that breaks a configured contract (`forbidden`, `independence`, `layers`).

    ## What it does
    Checks imports against the contracts declared in `[[tool.isolint.import-contracts]]`, in
    import-linter's vocabulary: `forbidden` (`source_modules` must not import
    `forbidden_modules`), `independence` (none of `modules` may import another) and `layers` (a
    layer may import the layers below it, never above; `containers` repeat the layer list inside
    each container, and `"a | b"` puts independent siblings on one level). Module names are
    dotted paths from the project root (`services.backend.app.api`), and an import is compared
    by the *file it loads*, so `from app.db import x` inside `services/backend` counts as
    `services.backend.app.db`.

    ## Why is this bad?
    A contract states an architectural decision; an import that breaks it erodes the boundary
    one shortcut at a time. Catching it while typing is cheaper than in review.

    ## Example
    ```python
    # services/backend/app/db/models.py
    # isolint-example: settings={"import-contracts": [{"name": "Backend layers", "type": "layers", "containers": ["services.backend.app"], "layers": ["api", "services", "db"]}]}
    # the layers contract below (Options): api > services > db
    from services.backend.app.api.routes import router
    ```
    ```python
    # services/backend/app/api/routes.py
    router = object()
    ```

    ## Use instead
    ```python
    # services/backend/app/api/routes.py
    from services.backend.app.db.models import User
    ```
    ```python
    # services/backend/app/db/models.py
    class User: ...
    ```

    ## Known look-alikes
    - A layer importing a layer below it, and modules no contract names.
    - Without `import-contracts`, the rule reports nothing.

    ## Options
    ```toml
    [[tool.isolint.import-contracts]]
    name = "Backend layers"
    type = "layers"
    containers = ["services.backend.app"]
    layers = ["api", "services", "db"]
    ```
    """

    code = "ISO603"
    name = "import-contract-violation"
    message = "Import of `{module}` breaks contract \"{contract}\": {reason}"
    severity = Severity.WARNING
    options = ("import-contracts",)

    @classmethod
    def admits(cls, source: "SourceFile", project: Any) -> bool:
        # only a module on some contract's source side
        if not (source.settings.import_contracts and super().admits(source, project)):
            return False
        importer = source.module
        return any(may_break(contract, importer) for contract in source.settings.import_contracts)

    def check(self, resolved: ResolvedImport, ctx: "PythonContext") -> None:
        importer = ctx.source.module
        for number, contract in enumerate(ctx.settings.import_contracts, start=1):
            reason = broken_contract(contract, importer, resolved.target_module)
            if reason:
                ctx.report(self, resolved.node, module=resolved.target_module,
                           contract=contract.get("name", f"#{number}"), reason=reason)
