"""ISO2xx beyond the fixtures: the detection primitives, gitignored env files, fixes applied
for real, and — the promise every front end makes — no output ever prints a secret in full."""

from __future__ import annotations

import ast
import json
import random
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest

from isolint.api import fix_source, lint_paths, lint_source
from isolint.core.config import Settings
from isolint.core.model import SECRET_RANGE, Severity, mask_secret
from isolint.engine.dotenv_runner import parse_dotenv
from isolint.core.source import SourceFile, language_of
from isolint.core.model import Language
from isolint.rules.common.secret_detection import (
    NameKind,
    Strictness,
    classify_name,
    find_secret,
    is_placeholder,
    looks_random,
)
from tests.support.markers import parse_markers

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"
SNAPSHOTS = Path(__file__).resolve().parents[1] / "snapshots" / "rules"
SECRETS_FIXTURES = sorted(p for p in FIXTURES.iterdir() if re.match(r"ISO20\d", p.name))
ROOT = Path("/isolint-secrets-root")


# -- detection -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "kind"), [
    ("JWT_SECRET_KEY", NameKind.SECRET),
    ("apiKey", NameKind.SECRET),
    ("STRIPE_KEY", NameKind.SECRET),
    ("GITHUB_TOKEN", NameKind.SECRET),
    ("client-secret", NameKind.SECRET),
    ("DB_PASSWORD", NameKind.PASSWORD),
    ("dbPasswd", NameKind.PASSWORD),
    ("SMTP_PASS", NameKind.PASSWORD),
    ("TOKEN_EXPIRE_MINUTES", NameKind.NOT_SECRET),
    ("API_KEY_HEADER", NameKind.NOT_SECRET),
    ("SECRET_KEY_FILE", NameKind.NOT_SECRET),
    ("JWT_PUBLIC_KEY", NameKind.NOT_SECRET),
    ("STRIPE_PUBLISHABLE_KEY", NameKind.NOT_SECRET),
    ("password_field", NameKind.NOT_SECRET),
    ("TOKEN_URL", NameKind.NOT_SECRET),
    ("AWS_ACCESS_KEY_ID", NameKind.NOT_SECRET),
    ("CACHE_KEY", NameKind.NEUTRAL),
    ("key", NameKind.NEUTRAL),
    ("DATABASE_HOST", NameKind.NEUTRAL),
])
def test_names_are_classified_by_their_words(name: str, kind: NameKind) -> None:
    assert classify_name(name) is kind


@pytest.mark.parametrize("value", [
    "", "changeme", "your-jwt-secret-here", "<your api token>", "${JWT_SECRET}", "$JWT_SECRET", "xxxxxxxx",
    "********", "dummy", "AKIAIOSFODNN7EXAMPLE", "{{ vault_jwt_secret }}", "/run/secrets/jwt", "arn:aws:secretsmanager:x",
])
def test_placeholders_are_recognised(value: str) -> None:
    assert is_placeholder(value) or looks_random(value) is False
    assert find_secret("JWT_SECRET", value) is None
    assert find_secret("DB_PASSWORD", value, Strictness.TEMPLATE) is None


@pytest.mark.parametrize("value", [
    "9f2c7e4b1a8d6f3e0c5b2a9d8e7f6c1b",  # hex (secrets.token_hex)
    "u8Vq2Lk9Xw3Rz7Tn5Bm1Hc6Jd4Fg0Sa",  # base62
    "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=",  # urlsafe base64 (Fernet)
    "django-insecure-8k#2j!p@x$3m^w7qz&v1n(5r)t9y+b0c%e6f",
    "z737j47hg4ivtxhcdbvb2jz5wvha9dtpabcsf73jk8jnasitvu",  # lower case and digits: letter runs, no words
    "wufUxbvJDCTbyvHNsG9eh6Yo4gfqrc5Xlr",  # base62 whose case changes cut short runs
])
def test_random_values_under_secret_names_are_secrets(value: str) -> None:
    hit = find_secret("SECRET_KEY", value)
    assert hit is not None and hit.description == "a high-entropy secret"


@pytest.mark.parametrize("value", [
    "dev-secret-key-2024", "ThisIsMySecretKey", "app.auth.backends.JWTBackend", "https://auth.acme.io/token",
    "3600", "true", "HS256", "supersecretvalue",
])
def test_words_paths_and_numbers_under_secret_names_are_not(value: str) -> None:
    assert find_secret("SECRET_KEY", value) is None


@pytest.mark.parametrize(("alphabet", "length"), [
    (string.ascii_lowercase + string.digits, 50),  # Django's generator without its symbols
    (string.ascii_lowercase + string.digits, 32),
    (string.ascii_letters + string.digits, 24),
])
def test_random_keys_are_rarely_taken_for_words(alphabet: str, length: int) -> None:
    """Random letters fall into runs of three or more all the time; only runs that could be words
    (a vowel, no five consonants in a row) make a value wordy, so nearly every random key counts."""
    generator = random.Random(11)
    keys = ["".join(generator.choice(alphabet) for _ in range(length)) for _ in range(400)]
    found = sum(find_secret("SECRET_KEY", key) is not None for key in keys)
    assert found >= 0.85 * len(keys)


def test_a_known_format_counts_whatever_the_name() -> None:
    hit = find_secret("DEPLOY_BOT", "ghp_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R")
    assert hit is not None and hit.description == "a GitHub token"
    assert find_secret(None, "AKIAZ7Q3R5T2W9X4Y6PL") is not None


@pytest.mark.parametrize(("token", "secret"), [
    ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6InF6a3h2Ym53eXJ0cGxtc2giLCJyb2xlIjoiYW5vbiIsImlhdCI6MTcxNjIzOTAyMiwiZXhwIjoyMDMxODE1MDIyfQ.s05Rmx0fIRx23tNQKTyw7Z7JSxHUzyu2IrRok7viaI4", False),  # role anon: a client key
    ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.bfUX3sOJumDR2SqcKvty0-0gq8dZ7Hq4ghYlWBusdXo", False),  # issuer supabase-demo: a published sample
    ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6InF6a3h2Ym53eXJ0cGxtc2giLCJyb2xlIjoic2VydmljZV9yb2xlIiwiaWF0IjoxNzE2MjM5MDIyLCJleHAiOjIwMzE4MTUwMjJ9.Pb7Wk46pnLUoPbxjxEmHY-jUbr-dk-Bgb885Hv3Uw14", True),  # a project's own service key
])
def test_a_jwt_handed_out_by_design_is_no_secret(token: str, secret: bool) -> None:
    for name in ("SUPABASE_SERVICE_KEY", None):
        assert (find_secret(name, token) is not None) is secret
        assert (find_secret(name, token, Strictness.TEMPLATE) is not None) is secret


def test_a_jwt_needs_a_json_header() -> None:
    jwt = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJyZXBvcnRpbmciLCJpYXQiOjE3MTYyMzkwMjJ9."
           "4Adcj3UFYzPUVaVF43FmMab6RlaQD8A9V8wFzzht-KQ")
    assert find_secret(None, jwt) is not None
    assert find_secret(None, "eyJnotbase64json.eyJalsoNotJsonAtAll.abcdefghijklmnopqrstuv") is None


def test_passwords_need_strength_when_committed_but_not_in_templates() -> None:
    assert find_secret("DB_PASSWORD", "postgres") is None
    assert find_secret("DB_PASSWORD", "postgres", Strictness.TEMPLATE) is not None
    assert find_secret("DB_PASSWORD", "Summer2024!") is not None
    url = "postgresql://app:postgres@db:5432/app"
    assert find_secret("DATABASE_URL", url) is None
    hit = find_secret("DATABASE_URL", url, Strictness.TEMPLATE)
    assert hit is not None and url[hit.start:hit.end] == "postgres"


@pytest.mark.parametrize("secret", ["Summer2024!", "9f2c7e4b1a8d6f3e0c5b2a9d8e7f6c1b", "ghp_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P"])
def test_a_mask_never_shows_the_secret(secret: str) -> None:
    masked = mask_secret(secret)
    assert secret not in masked and len(masked) == len(secret[:2]) + min(len(secret) - 4, 12) + 2 or set(masked) == {"*"}


# -- committed or gitignored ---------------------------------------------------------------------

SECRET_LINE = "JWT_SECRET_KEY=9f2c7e4b1a8d6f3e0c5b2a9d8e7f6c1b4a3d2e1f0c9b8a7d6e5f4c3b2a1d0e9f\n"
OTHER_SECRET_LINE = "SESSION_SECRET=L0u0tqxfa4XvE5ntpIJwB6ILoEn6ZgJp9O8iBmGrNITZ\n"


def _project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    service = tmp_path / "services" / "auth"
    service.mkdir(parents=True)
    (service / "app").mkdir()
    (service / "app" / "__init__.py").write_text("")
    return service


def test_a_gitignored_env_file_is_only_a_hint_without_a_fix(tmp_path: Path) -> None:
    service = _project(tmp_path)
    (tmp_path / ".gitignore").write_text(".env\n")
    (service / ".env").write_text(OTHER_SECRET_LINE)
    (service / ".env.production").write_text(SECRET_LINE)
    run = lint_paths([tmp_path], overrides={"select": ["ISO201"]}, jobs=1)
    by_file = {Path(f.path).name: f for f in run.findings}
    ignored, committed = by_file[".env"], by_file[".env.production"]
    assert ignored.severity is Severity.HINT and "gitignored" in ignored.message and ignored.fix is None
    assert committed.severity is Severity.ERROR and "committed" in committed.message and committed.fix is not None


def test_a_secret_a_committed_and_a_gitignored_file_share_is_one_finding_at_the_committed_one(tmp_path: Path) -> None:
    service = _project(tmp_path)
    (tmp_path / ".gitignore").write_text(".env\n")
    (service / ".env").write_text(SECRET_LINE)
    (service / ".env.production").write_text(SECRET_LINE)
    (finding,) = lint_paths([tmp_path], overrides={"select": ["ISO201"]}, jobs=1).findings
    assert Path(finding.path).name == ".env.production" and finding.severity is Severity.ERROR
    assert [(Path(r.path).name, r.range.start.line) for r in finding.related] == [(".env", 0)]


def test_a_gitignored_env_file_is_called_not_committed_only_when_git_says_it_is_untracked(tmp_path: Path) -> None:
    """A gitignored file can still be tracked (added with ``--force`` or before the pattern):
    "not committed" is claimed only where git answers; where it cannot, only the ignore is said."""
    (tmp_path / "unknown").mkdir()
    unknown = _project(tmp_path / "unknown")  # an empty .git: git cannot list the index
    (tmp_path / "unknown" / ".gitignore").write_text(".env\n")
    (unknown / ".env").write_text(SECRET_LINE)
    (finding,) = lint_paths([tmp_path / "unknown"], overrides={"select": ["ISO201"]}, jobs=1).findings
    assert "gitignored" in finding.message and "not committed" not in finding.message

    repository = tmp_path / "repository"
    repository.mkdir()
    subprocess.run(["git", "init", "-q", str(repository)], check=True)
    (repository / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    (repository / ".gitignore").write_text(".env\n")
    (repository / ".env").write_text(SECRET_LINE)
    (finding,) = lint_paths([repository], overrides={"select": ["ISO201"]}, jobs=1).findings
    assert finding.severity is Severity.HINT and "not committed; keep it that way" in finding.message


def test_a_negated_gitignore_pattern_makes_the_file_committed_again(tmp_path: Path) -> None:
    service = _project(tmp_path)
    (tmp_path / ".gitignore").write_text(".env*\n!.env.shared\n")
    (service / ".env.shared").write_text(SECRET_LINE)
    run = lint_paths([service / ".env.shared"], overrides={"select": ["ISO201"]}, jobs=1)
    assert [f.severity for f in run.findings] == [Severity.ERROR]


# -- fixes ------------------------------------------------------------------------------------------

def _settings(*codes: str) -> Settings:
    return Settings(root=ROOT).with_overrides({"select": list(codes)})


def test_blanking_a_secret_keeps_the_inline_comment_out_of_the_value() -> None:
    text = "APP_ENV=production\nexport SESSION_SECRET='L0u0tqxfa4XvE5ntpIJwB6ILoEn6ZgJp9O8iBmGrNITZ'  # rotated\nDEBUG=false\n"
    outcome = fix_source(text, ROOT / "services/api/.env.production", _settings("ISO201"), unsafe=True)
    assert outcome.text == (
        "APP_ENV=production\n# set SESSION_SECRET in the deployment's secret store (rotated)\n"
        "export SESSION_SECRET=\nDEBUG=false\n"
    )
    document = parse_dotenv(SourceFile.from_text(ROOT / ".env.production", outcome.text, _settings()))
    assert document.get("SESSION_SECRET").value == "" and not outcome.remaining


def test_blanking_is_unsafe_and_not_applied_without_unsafe_fixes() -> None:
    text = SECRET_LINE
    assert fix_source(text, ROOT / ".env.production", _settings("ISO201")).text == text


def test_a_template_fix_keeps_the_url_and_replaces_only_the_password() -> None:
    text = "DATABASE_URL=postgresql://app:app_pass_2024@localhost:5432/app\n"
    outcome = fix_source(text, ROOT / ".env.example", _settings("ISO202"))
    assert outcome.text == "DATABASE_URL=postgresql://app:changeme@localhost:5432/app\n"
    assert not outcome.remaining


def test_the_code_fix_reads_the_environment_and_adds_the_import() -> None:
    text = '"""Auth settings."""\nfrom datetime import timedelta\n\nJWT_SECRET = "u8Vq2Lk9Xw3Rz7Tn5Bm1Hc6Jd4Fg0Sa"\n'
    outcome = fix_source(text, ROOT / "services/auth/app/settings.py", _settings("ISO203"), unsafe=True)
    assert outcome.text == (
        '"""Auth settings."""\nimport os\nfrom datetime import timedelta\n\nJWT_SECRET = os.environ["JWT_SECRET"]\n'
    )
    ast.parse(outcome.text)


def test_the_code_fix_uses_the_configured_accessor() -> None:
    settings = Settings(root=ROOT).with_overrides({
        "select": ["ISO203"], "env-accessor": "get_env().require({name!r})",
        "env-accessor-import": "from app.env import get_env",
    })
    text = 'import os\n\nSECRET_KEY = os.getenv("SECRET_KEY", "u8Vq2Lk9Xw3Rz7Tn5Bm1Hc6Jd4Fg0Sa")\n'
    outcome = fix_source(text, ROOT / "services/api/app/settings.py", settings, unsafe=True)
    assert outcome.text == 'import os\nfrom app.env import get_env\n\nSECRET_KEY = get_env().require("SECRET_KEY")\n'


def test_tests_are_quiet_but_development_scripts_are_not() -> None:
    line = 'GITHUB_TOKEN = "ghp_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R"\n'
    assert not lint_source(line, ROOT / "services/api/tests/test_github.py", _settings("ISO203")).findings
    assert lint_source(line, ROOT / "scripts/sync_repos.py", _settings("ISO203")).findings


# -- masking everywhere -------------------------------------------------------------------------------

def _materialize_fixtures(folder: Path) -> None:
    """The ISO2xx fixtures as a real project, each at its virtual path."""
    (folder / ".git").mkdir()
    (folder / "pyproject.toml").write_text('[project]\nname = "fixtures"\n')
    for fixture in SECRETS_FIXTURES:
        text = fixture.read_text(encoding="utf-8")
        target = folder / (parse_markers(text).path or f"services/api/app/{fixture.name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _secrets_in(folder: Path) -> set[str]:
    run = lint_paths([folder], overrides={"select": ["ISO2"]}, jobs=1)
    secrets = set()
    for result in run.results:
        for finding in result.findings:
            secret = finding.data.get(SECRET_RANGE)
            if secret:
                start_line, start_col, end_line, end_col = secret
                lines = result.source.lines[start_line:end_line + 1]
                secrets.update(_secret_parts(lines, start_col, end_col))
    return secrets


def _secret_parts(lines: list[str], start_col: int, end_col: int) -> list[str]:
    """The secret's text, one piece per line (a PEM key spans lines), quotes stripped."""
    if len(lines) == 1:
        pieces = [lines[0][start_col:end_col]]
    else:
        pieces = [lines[0][start_col:], *lines[1:-1], lines[-1][:end_col]]
    # a mask shows 4 characters: pieces shorter than 12 cannot be told from ordinary text
    # (`postgres` is in `postgresql://`); PEM armour lines are not secret
    return [piece.strip("\"'") for piece in pieces if len(piece.strip("\"'")) >= 12 and not piece.startswith("-----")]


@pytest.fixture(scope="module")
def secrets_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    folder = tmp_path_factory.mktemp("secrets")
    _materialize_fixtures(folder)
    secrets = _secrets_in(folder)
    assert len(secrets) >= 30, secrets  # the fixtures' true positives, PEM lines counted one by one
    return folder, secrets


@pytest.mark.parametrize("arguments", [
    ["--format", "text"], ["--format", "json"], ["--format", "sarif"], ["--format", "github"],
    ["--format", "grouped"], ["--statistics"], ["--diff", "--unsafe-fixes"],
], ids=lambda a: " ".join(a))
def test_no_output_prints_a_secret_in_full(secrets_project: tuple[Path, set[str]], arguments: list[str]) -> None:
    folder, secrets = secrets_project
    completed = subprocess.run(
        [sys.executable, "-m", "isolint", "check", "--select", "ISO2", "--no-cache", *arguments, str(folder)],
        capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 1, completed.stderr
    output = completed.stdout + completed.stderr
    assert "ISO20" in output or "---" in output
    leaked = sorted(secret for secret in secrets if secret in output)
    assert not leaked, f"{len(leaked)} secret(s) printed in full, e.g. {mask_secret(leaked[0])}"


def test_json_output_carries_the_secret_range(secrets_project: tuple[Path, set[str]]) -> None:
    folder, _ = secrets_project
    completed = subprocess.run(
        [sys.executable, "-m", "isolint", "check", "--select", "ISO2", "--no-cache", "--format", "json", str(folder)],
        capture_output=True, text=True, timeout=120,
    )
    findings = json.loads(completed.stdout)
    assert findings and all(SECRET_RANGE in f["data"] for f in findings)


@pytest.mark.parametrize("fixture", SECRETS_FIXTURES, ids=lambda p: p.name)
def test_snapshots_hold_no_secret_in_full(fixture: Path) -> None:
    text = fixture.read_text(encoding="utf-8")
    virtual = parse_markers(text).path or f"services/api/app/{fixture.name}"
    result = lint_source(text, ROOT / virtual, _settings("ISO2"))
    snapshot = (SNAPSHOTS / f"{fixture.name}.snap").read_text(encoding="utf-8")
    lines = text.splitlines()
    for finding in result.findings:
        start_line, start_col, end_line, end_col = finding.data[SECRET_RANGE]
        for piece in _secret_parts(lines[start_line:end_line + 1], start_col, end_col):
            assert piece not in snapshot, f"{fixture.name}: {mask_secret(piece)} printed in full"


# -- the shapes secrets take in real code --------------------------------------------------------------

REAL_CODE_SECRETS = [
    "SECRET_KEY = 'django-insecure-g6$^a=k#l2)3_w@x!9p+0v(e8&*u4z1-b7t%q5y^c2n3m'",
    "app.config['SECRET_KEY'] = 'a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4'",
    'AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzQ1a2b3c4d"',
    'client = OpenAI(api_key="sk-proj-Tq8Xv2Lm9Kp4Rt7Wn3Bc6Hd1Jf5Gs0YaZe8Ui2Oq4Wm6Rk")',
    'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "PASSWORD": "Sup3r$ecret!"}}',
    'headers = {"X-API-Key": "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"}',
    'CONN = "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=Sz2jEq9fAJh9vQ2zPFjPzf9Xh5e8U56J7gAw3HaJW9YxiLhGuFA=;"',
    'MONGO_URI = "mongodb+srv://app:Xk9mP2vL8qR4@cluster0.ab1cd.mongodb.net/prod"',
    'r = redis.from_url("redis://:Rd1sP4ss-2024x@redis.internal:6379/0")',
    'TWILIO_AUTH_TOKEN = "7f3a9c2e1b8d4f6a0c5e9b2d7f1a3c8e"',
    'SENDGRID_API_KEY = "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"',
    'settings.STRIPE_SECRET = "rk_live_51HqLyjWDarjtT1zdp7dcXYZ12abcQ"',
    'config = {"slack_webhook": "https://hooks.slack.com/services/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"}',
    'def get_api_key():\n    return "u8Vq2Lk9Xw3Rz7Tn5Bm1Hc6Jd4Fg0Sa"',
    'ENCRYPTION_KEY = b"L0u0tqxfa4XvE5ntpIJwB6ILoEn6ZgJp9O8iBmGrNITZ"',
]
REAL_CODE_LOOK_ALIKES = [
    'PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]',
    'RESOURCE_MY_PASSWORD = "My Password"',
    'PARAMS = {"password": "Password for package index (will be masked)"}',
    'TOKENS = {"property.key": r"#?[a-z_][a-z_\\.\\-]*\\:[a-z0-9_\\.\\-/]+(?=\\s*\\=)"}',
    'AUTH_PASSWORD_VALIDATORS = [{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"}]',
    'SESSION_COOKIE_NAME = "sessionid"',
    'CSRF_HEADER_NAME = "HTTP_X_CSRFTOKEN"',
    'def hash_password(password, salt):\n    return f"pbkdf2_sha256${salt}${password}"',
    'token_pattern = re.compile(r"^[A-Za-z0-9_-]{43}$")',
    'secret = os.environ.get("APP_SECRET")',
    'msg = f"invalid token {token!r}: expected Bearer <token>"',
]


@pytest.mark.parametrize("code", REAL_CODE_SECRETS, ids=range(len(REAL_CODE_SECRETS)))
def test_secrets_in_their_real_shapes_are_found(code: str) -> None:
    findings = lint_source(code + "\n", ROOT / "services/api/app/settings.py", _settings("ISO203")).findings
    assert len(findings) == 1, code


@pytest.mark.parametrize("code", REAL_CODE_LOOK_ALIKES, ids=range(len(REAL_CODE_LOOK_ALIKES)))
def test_look_alikes_from_real_code_stay_quiet(code: str) -> None:
    assert not lint_source(code + "\n", ROOT / "services/api/app/settings.py", _settings("ISO203")).findings


# -- compose files ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "compose"), [
    ("docker-compose.yml", True), ("docker-compose.override.yaml", True), ("compose.yaml", True),
    ("compose.prod.yml", True), ("docker-compose-local.yml", True),
    ("mkdocs.yml", False), ("decompose.yml", False), ("docker-compose.md", False), ("config.yaml", False),
])
def test_compose_files_are_read_like_env_files(name: str, compose: bool) -> None:
    assert (language_of(name) is Language.DOTENV) is compose


def test_a_secret_default_of_a_reference_is_judged_and_located() -> None:
    value = "${SECRET_KEY:-kdjvtatmadgq6hepmfx4tyi06xgj0qh7kviq5m7xht6h3kkkzf}"
    hit = find_secret("SECRET_KEY", value)
    assert hit is not None and value[hit.start:hit.end] == "kdjvtatmadgq6hepmfx4tyi06xgj0qh7kviq5m7xht6h3kkkzf"
    assert find_secret("SECRET_KEY", "${SECRET_KEY:?set SECRET_KEY}") is None
    assert find_secret("POSTGRES_PASSWORD", "${POSTGRES_PASSWORD:-app}") is None


def test_a_compose_file_lists_its_entries_and_only_iso201_reads_it() -> None:
    text = ("services:\n  api:\n    image: ghcr.io/acme/api:1.4\n    environment:\n"
            "      - API_URL=http://localhost:8000\n"
            "      - SESSION_SECRET=uRMv6HfIjLMH2enFlygfkuw6PiHqHzmf\n")
    path = ROOT / "deploy" / "compose.prod.yaml"
    document = parse_dotenv(SourceFile.from_text(path, text, Settings(root=ROOT)))
    assert [entry.key for entry in document.entries][-2:] == ["API_URL", "SESSION_SECRET"]
    findings = lint_source(text, path, Settings(root=ROOT)).findings
    assert [(f.code, f.range.start.line) for f in findings] == [("ISO201", 5)]
    assert "uRMv6HfIjLMH2enFlygfkuw6PiHqHzmf" not in findings[0].message
