from __future__ import annotations

from typing import TYPE_CHECKING

from isolint.core.model import SECRET_RANGE, Language
from isolint.core.rule import PRODUCTION_ONLY, Rule
from isolint.core.source import is_compose_name, is_shell_name
from isolint.core.zones import env_file_environment
from isolint.rules.config_isolation.values import classify_dev_value, secret_span

if TYPE_CHECKING:
    from isolint.core.context import DotenvContext, DotenvDocument

DEPLOYED_ENVIRONMENTS = frozenset({"staging", "production"})


class DevValueInDeployedEnvFile(Rule):
    """A development value (`localhost`, `DEBUG=true`) in a staging or production env file.

    ## What it does
    Flags development values in the env files of deployed environments — files whose name
    says staging or production (`.env.production`, `.env.prod`, `.env.staging`,
    `production.env`): a local host or a URL on one, debug switched on, a development
    environment name, a development database or local SQLite file, and development
    credentials. Real-looking secrets in env files are [ISO201](ISO201.md)'s.

    ## Why is this bad?
    The audit's fifth success metric: zero development defaults in staging/production
    configuration. An env file copied from `.env.development` and half-edited keeps
    `localhost` or `DEBUG=true` in it; the deployment then either cannot reach its services or
    runs with development behaviour (tracebacks, auto-reload, permissive CORS) in production.

    ## Example
    ```dotenv
    DATABASE_URL=postgresql://app@localhost:5432/app
    DEBUG=true
    ```

    ## Use instead
    ```dotenv
    DATABASE_URL=postgresql://app@db.internal:5432/app
    DEBUG=false
    HOST=0.0.0.0
    ```

    ## Known look-alikes
    - Templates (`.env.production.example`): not deployed, not checked; compose files
      (`docker-compose.prod.yml`) are read for secrets only ([ISO201](ISO201.md)).
    - `HOST=0.0.0.0` and `BIND_HOST=127.0.0.1`, where a server binds; `0.0.0.0` is reported
      only in a URL or a backing service's variable (`REDIS_HOST`).
    - Hosts in lists that are checked against, not connected to: `ALLOWED_HOSTS`,
      `FORWARDED_ALLOW_IPS`, `NO_PROXY`.
    - A test harness's own switch (`PYTEST_DEBUG=1`).
    """

    code = "ISO105"
    name = "dev-value-in-deployed-env-file"
    message = "`{key}` in a {environment} env file holds {reason}: {value}"
    languages = frozenset({Language.DOTENV})
    zones = PRODUCTION_ONLY

    def check_dotenv(self, document: DotenvDocument, ctx: DotenvContext) -> None:
        environment = env_file_environment(ctx.source.name)
        name = ctx.source.name.lower()
        if environment not in DEPLOYED_ENVIRONMENTS or is_compose_name(name) or is_shell_name(name):
            return
        for entry in document.entries:
            if not entry.value.strip():
                continue
            dev = classify_dev_value(entry.key, entry.value, include_ports=False)
            if not dev:
                continue
            data = {SECRET_RANGE: secret_span(ctx.source, entry.value_range, dev.secrets[0]).to_json()} if dev.secrets else {}
            ctx.report(self, entry.value_range, data=data, key=entry.key, environment=environment,
                       reason=dev.description, value=dev.shown)

