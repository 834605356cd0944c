from __future__ import annotations

from typing import TYPE_CHECKING

from isolint.core.model import SECRET_RANGE, Language
from isolint.core.rule import PRODUCTION_ONLY, Rule
from isolint.core.zones import env_file_environment
from isolint.rules.config_isolation.values import classify_dev_value, secret_span

if TYPE_CHECKING:
    from isolint.core.context import DotenvContext, DotenvDocument

DEPLOYED_ENVIRONMENTS = frozenset({"staging", "production"})


class DevValueInDeployedEnvFile(Rule):
    """## What it does
    Flags development values in the env files of deployed environments — files whose name
    says staging or production (`.env.production`, `.env.prod`, `.env.staging`,
    `production.env`, `services/api/.env.production`; templates such as
    `.env.production.example` are not deployed and are not checked):

    - a local host or a URL on one (`REDIS_HOST=localhost`, `API_URL=http://127.0.0.1:8000`,
      `CORS_ORIGINS=http://localhost:3000`); `0.0.0.0` only where it names a destination (a
      URL, or a backing service's variable such as `REDIS_HOST`) — `HOST=0.0.0.0` is the
      address a server binds to and is fine; so are bare hosts in lists that are checked
      against, not connected to (`ALLOWED_HOSTS=api.acme.io,localhost` for a health check,
      `FORWARDED_ALLOW_IPS=127.0.0.1`, `NO_PROXY=localhost,127.0.0.1`) and bind addresses
      (`BIND_HOST=127.0.0.1` behind a reverse proxy on the same machine);
    - debug switched on (`DEBUG=true`, `FLASK_DEBUG=1`, `UVICORN_RELOAD=true`; not a test
      harness's own switch such as `PYTEST_DEBUG`);
    - a development environment name (`ENV=development`, `APP_ENV=local`, `NODE_ENV=dev`);
    - a development database (`DB_NAME=app_dev`, `…/app_test` in a database URL) or a local
      SQLite file as the database;
    - development credentials (`DB_PASSWORD=postgres`, `postgres:postgres@` in a URL).
      Real-looking secrets in env files are the secrets family's ([ISO201](ISO201.md)).

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
    """

    code = "ISO105"
    name = "dev-value-in-deployed-env-file"
    message = "`{key}` in a {environment} env file holds {reason}: {value}"
    languages = frozenset({Language.DOTENV})
    zones = PRODUCTION_ONLY

    def check_dotenv(self, document: DotenvDocument, ctx: DotenvContext) -> None:
        environment = env_file_environment(ctx.source.name)
        if environment not in DEPLOYED_ENVIRONMENTS:
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

