"""Multi-service repositories laid out as real monorepos lay them out, for the service
independence rules: every cross-service import a maintainer would act on carries a marker
(``# error: ISO601``; ``# related: ISO601`` for a module's further imports of the same service,
the other places of its one finding), every look-alike carries none. Built with ``build_tree`` into a
temporary folder (a ``.git`` folder makes it a repository: zero configuration).

* ``TOP_LEVEL_SERVICES``: a backend and an auth service as top-level packages imported by
  their folder names (``chat_backend.app…``, ``auth_service.auth_core…``), a shared package,
  a ``test_framework/`` package, a dev launcher, repository-level end-to-end tests and a
  Next.js frontend; images built from a central ``docker/`` folder with the repository as
  context.
* ``SOURCE_ROOT_SERVICES``: one ``backend/`` folder holding two services side by side
  (``backend/app_a/``, ``backend/model_server/``) whose code imports them as top-level
  packages because ``backend/`` is the source root; the images are ``backend/Dockerfile`` and
  ``backend/Dockerfile.model_server`` (``WORKDIR /app``, ``COPY ./model_server
  /app/model_server``), a configuration package both images copy, the backend's own test suite
  and a Next.js app.
* ``OWN_DOCKERFILE_SERVICES``: the same backend with a Dockerfile inside each service folder
  and ``PYTHONPATH`` pointing at ``backend/``.
* ``PACKAGED_LIBS``: a ``libs/`` folder holding two distributions, each with its own
  ``pyproject.toml`` — the server and a client SDK that does not depend on it — beside a
  ``common/`` folder of plain modules that stays one shared package.
"""

from __future__ import annotations

GIT = {".git/HEAD": "ref: refs/heads/main\n"}

NEXT_APP = {
    "package.json": '{"name": "web", "private": true, "scripts": {"dev": "next dev"}, '
                    '"dependencies": {"next": "14.2.3", "react": "18.3.1"}}\n',
    "next.config.js": "module.exports = { reactStrictMode: true };\n",
    "src/app/page.tsx": "export default function Page() {\n  return <main>chat</main>;\n}\n",
    "src/lib/api.ts": "export async function getThreads(base: string) {\n"
                      "  return fetch(`${base}/api/threads`).then((r) => r.json());\n}\n",
}


def _under(prefix: str, files: dict[str, str]) -> dict[str, str]:
    return {f"{prefix}/{path}": text for path, text in files.items()}


TOP_LEVEL_SERVICES: dict[str, str] = {
    **GIT,
    "pyproject.toml": '[project]\nname = "platform"\nversion = "0.1.0"\n\n'
                      '[tool.pytest.ini_options]\ntestpaths = ["chat_backend/tests", "auth_service/tests", "tests"]\n',
    "docker-compose.yml": (
        "services:\n"
        "  backend:\n    build:\n      context: .\n      dockerfile: docker/backend.Dockerfile\n"
        "    environment:\n      - PYTHONPATH=/app\n"
        "  auth:\n    build:\n      context: .\n      dockerfile: docker/auth.Dockerfile\n"
        "  frontend:\n    build:\n      context: ./frontend\n"
    ),
    "docker/backend.Dockerfile": (
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY chat_backend/requirements.txt .\n"
        "RUN pip install -r requirements.txt\nCOPY shared /app/shared\nCOPY chat_backend /app/chat_backend\n"
        'CMD ["uvicorn", "chat_backend.app.main:app", "--host", "0.0.0.0"]\n'
    ),
    "docker/auth.Dockerfile": (
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY auth_service/requirements.txt .\n"
        "RUN pip install -r requirements.txt\nCOPY shared /app/shared\nCOPY auth_service /app/auth_service\n"
        'CMD ["python", "-m", "auth_service.main"]\n'
    ),
    # the backend service
    "chat_backend/__init__.py": "",
    "chat_backend/requirements.txt": "fastapi\nsqlalchemy\nhttpx\n",
    "chat_backend/app/__init__.py": "",
    "chat_backend/app/main.py": (
        "from fastapi import FastAPI\n\nfrom chat_backend.app.routes import threads\n"
        "from shared.isolated_environment import get_env\n\n"
        "app = FastAPI()\napp.include_router(threads.router)\n"
    ),
    "chat_backend/app/core/__init__.py": "",
    "chat_backend/app/core/config.py": "from shared.isolated_environment import get_env\n\nDATABASE_URL = get_env('DATABASE_URL')\n",
    "chat_backend/app/core/types.py": (
        "from __future__ import annotations\n\nfrom typing import TYPE_CHECKING\n\n"
        "if TYPE_CHECKING:\n"
        "    from auth_service.auth_core.models import AuthUser  # error: ISO601\n\n\n"
        "def display_name(user: AuthUser) -> str:\n    return user.email\n"
    ),
    "chat_backend/app/db/__init__.py": "",
    "chat_backend/app/db/models.py": "class Thread:\n    owner_id: str\n",
    "chat_backend/app/routes/__init__.py": "",
    "chat_backend/app/routes/threads.py": (
        "from fastapi import APIRouter\n\n"
        "from auth_service.auth_core.jwt_handler import JWTHandler  # error: ISO601\n"
        "from chat_backend.app.db.models import Thread\n"
        "from shared.auth_types import TokenClaims\n\n"
        "router = APIRouter()\n\n\n"
        "@router.get('/api/threads')\n"
        "def list_threads(token: str) -> list[Thread]:\n"
        "    claims: TokenClaims = JWTHandler().decode(token)\n"
        "    return []\n"
    ),
    "chat_backend/app/services/__init__.py": "",
    "chat_backend/app/services/user_service.py": (
        "import importlib\n\n\n"
        "def current_user(token: str):\n"
        "    # imported late to dodge a circular import at start-up\n"
        "    from auth_service.auth_core.models import AuthUser  # error: ISO601\n"
        "    return AuthUser(email=token)\n\n\n"
        "def session_store():\n"
        "    module = importlib.import_module('auth_service.auth_core.sessions')  # related: ISO601\n"
        "    return module.SessionStore()\n"
    ),
    "chat_backend/app/services/permissions.py": "from auth_service.auth_core.permissions import *  # error: ISO601\n",
    "chat_backend/app/services/auth_bridge.py": (
        "import sys\nfrom pathlib import Path\n\n"
        "sys.path.insert(0, str(Path(__file__).resolve().parents[3] / 'auth_service'))\n\n"
        "from auth_core.jwt_handler import JWTHandler  # error: ISO601\n"
    ),
    # the backend's HTTP client of the auth service: no import of its code
    "chat_backend/app/clients/__init__.py": "",
    "chat_backend/app/clients/auth_client.py": (
        "import httpx\n\nfrom chat_backend.app.core.config import DATABASE_URL\n\n\n"
        "class AuthClient:\n    def validate(self, base: str, token: str) -> bool:\n"
        "        return httpx.post(f'{base}/validate', json={'token': token}).status_code == 200\n"
    ),
    # the auth service's public client package, meant for other services
    "chat_backend/app/services/login.py": "from auth_service.client import AuthServiceClient\n",
    "chat_backend/tests/__init__.py": "",
    "chat_backend/tests/conftest.py": "import pytest\n\nfrom chat_backend.app.main import app\n\n\n@pytest.fixture\ndef client():\n    return app\n",
    "chat_backend/tests/test_threads.py": (
        "from auth_service.auth_core.jwt_handler import JWTHandler  # error: ISO601\n"
        "from chat_backend.app.routes.threads import list_threads\nfrom test_framework.fixtures import seeded_db\n\n\n"
        "def test_list_threads():\n    assert list_threads(JWTHandler().encode({'sub': 'u'})) == []\n"
    ),
    # the auth service
    "auth_service/__init__.py": "",
    "auth_service/requirements.txt": "fastapi\npyjwt\n",
    "auth_service/main.py": "from fastapi import FastAPI\n\nfrom auth_service.auth_core.routes import router\n\napp = FastAPI()\napp.include_router(router)\n",
    "auth_service/auth_core/__init__.py": "",
    "auth_service/auth_core/jwt_handler.py": "import jwt\n\n\nclass JWTHandler:\n    def decode(self, token):\n        return jwt.decode(token, options={'verify_signature': False})\n",
    "auth_service/auth_core/models.py": "from dataclasses import dataclass\n\n\n@dataclass\nclass AuthUser:\n    email: str\n",
    "auth_service/auth_core/sessions.py": "class SessionStore:\n    pass\n",
    "auth_service/auth_core/permissions.py": "ADMIN = 'admin'\n",
    "auth_service/auth_core/routes.py": (
        "from fastapi import APIRouter\n\n"
        "from auth_service.auth_core.models import AuthUser\n"
        "from chat_backend.app.db.models import Thread  # error: ISO601\n"
        "from shared.isolated_environment import get_env\n\nrouter = APIRouter()\n"
    ),
    "auth_service/client/__init__.py": "class AuthServiceClient:\n    pass\n",
    "auth_service/tests/__init__.py": "",
    "auth_service/tests/test_login.py": (
        "from auth_service.auth_core.jwt_handler import JWTHandler\n"
        "from chat_backend.app.core.config import DATABASE_URL  # error: ISO601\n\n\n"
        "def test_decode():\n    assert JWTHandler()\n"
    ),
    # the shared package
    "shared/__init__.py": "",
    "shared/isolated_environment.py": "import os\n\n\ndef get_env(name):\n    return os.environ[name]\n",
    "shared/auth_types.py": "from typing import TypedDict\n\n\nclass TokenClaims(TypedDict):\n    sub: str\n",
    "shared/thread_summary.py": "from chat_backend.app.db.models import Thread  # error: ISO602\n",
    # test helpers and dev launchers drive several services on purpose
    "test_framework/__init__.py": "",
    "test_framework/fixtures.py": (
        "from auth_service.auth_core.models import AuthUser\nfrom chat_backend.app.db.models import Thread\n\n\n"
        "def seeded_db():\n    return [Thread()], [AuthUser(email='a@b.c')]\n"
    ),
    "dev_launcher/__init__.py": "",
    "dev_launcher/__main__.py": "from dev_launcher.launcher import main\n\nmain()\n",
    "dev_launcher/launcher.py": (
        "import subprocess\n\nfrom auth_service.main import app as auth_app\nfrom chat_backend.app.main import app as backend_app\n\n\n"
        "def main():\n    subprocess.run(['uvicorn', 'chat_backend.app.main:app'])\n"
    ),
    "tests/e2e/test_login_flow.py": (
        "from auth_service.auth_core.jwt_handler import JWTHandler\nfrom chat_backend.app.routes.threads import list_threads\n\n\n"
        "def test_flow():\n    assert list_threads(JWTHandler().encode({})) == []\n"
    ),
    **_under("frontend", NEXT_APP),
}


SOURCE_ROOT_BACKEND: dict[str, str] = {
    "backend/requirements/default.txt": "fastapi\nsqlalchemy\n",
    "backend/requirements/model_server.txt": "fastapi\ntorch\n",
    "backend/pyproject.toml": '[tool.mypy]\nmypy_path = "$MYPY_CONFIG_FILE_DIR"\n\n'
                              '[tool.pytest.ini_options]\npythonpath = ["."]\n',
    "backend/app_a/__init__.py": "",
    "backend/app_a/main.py": (
        "from fastapi import FastAPI\n\nfrom app_a.search.pipeline import router\nfrom shared_configs.configs import MODEL_SERVER_HOST\n\n"
        "app = FastAPI()\napp.include_router(router)\n"
    ),
    "backend/app_a/utils/__init__.py": "",
    "backend/app_a/utils/logger.py": "import logging\n\n\ndef setup_logger(name):\n    return logging.getLogger(name)\n",
    "backend/app_a/configs/__init__.py": "",
    "backend/app_a/configs/model_configs.py": "DOC_EMBEDDING_DIM = 768\n",
    "backend/app_a/search/__init__.py": "",
    "backend/app_a/search/pipeline.py": (
        "import requests\nfrom fastapi import APIRouter\n\n"
        "from app_a.utils.logger import setup_logger\n"
        "from model_server.constants import EmbeddingProvider  # error: ISO601\n"
        "from shared_configs.configs import MODEL_SERVER_HOST, MODEL_SERVER_PORT\n\n"
        "router = APIRouter()\nlogger = setup_logger(__name__)\n\n\n"
        "def embed(texts):\n"
        "    # the model server is called over HTTP: no import of its code\n"
        "    return requests.post(f'http://{MODEL_SERVER_HOST}:{MODEL_SERVER_PORT}/encoder', json=texts).json()\n"
    ),
    "backend/app_a/search/reranking.py": (
        "def rerank(query, docs):\n"
        "    from model_server.encoders import local_rerank  # error: ISO601\n"
        "    return local_rerank(query, docs)\n"
    ),
    "backend/model_server/__init__.py": "",
    "backend/model_server/main.py": (
        "from fastapi import FastAPI\n\nfrom model_server.encoders import router\nfrom shared_configs.configs import MODEL_SERVER_PORT\n\n"
        "app = FastAPI()\napp.include_router(router)\n"
    ),
    "backend/model_server/constants.py": "from enum import Enum\n\n\nclass EmbeddingProvider(str, Enum):\n    OPENAI = 'openai'\n",
    "backend/model_server/encoders.py": (
        "from fastapi import APIRouter\n\n"
        "from app_a.utils.logger import setup_logger  # error: ISO601\n"
        "from model_server.constants import EmbeddingProvider\n"
        "from shared_configs.enums import EmbedTextType\n\n"
        "router = APIRouter()\nlogger = setup_logger(__name__)\n\n\n"
        "def local_rerank(query, docs):\n    return docs\n"
    ),
    "backend/model_server/custom_models.py": (
        "from app_a.configs.model_configs import DOC_EMBEDDING_DIM  # error: ISO601\n\n"
        "SIZE = DOC_EMBEDDING_DIM\n"
    ),
    "backend/model_server/tests/__init__.py": "",
    "backend/model_server/tests/test_encoders.py": (
        "from app_a.utils.logger import setup_logger  # error: ISO601\n"
        "from model_server.encoders import local_rerank\n\n\n"
        "def test_rerank():\n    assert local_rerank('q', []) == []\n"
    ),
    # a configuration package both images copy: shared
    "backend/shared_configs/__init__.py": "",
    "backend/shared_configs/configs.py": "import os\n\nMODEL_SERVER_HOST = os.environ.get('MODEL_SERVER_HOST')\nMODEL_SERVER_PORT = 9000\n",
    "backend/shared_configs/enums.py": "from enum import Enum\n\n\nclass EmbedTextType(str, Enum):\n    QUERY = 'query'\n",
    "backend/shared_configs/model_hosts.py": "from model_server.constants import EmbeddingProvider  # error: ISO602\n",
    # the backend's test tree mirrors its services: a unit test of app_a is app_a's own test;
    # its integration suite drives both services on purpose; scripts are development code
    "backend/tests/__init__.py": "",
    "backend/tests/unit/app_a/test_pipeline.py": (
        "from app_a.search.pipeline import embed\nfrom model_server.encoders import local_rerank  # error: ISO601\n\n\n"
        "def test_embed():\n    assert embed and local_rerank\n"
    ),
    "backend/tests/unit/test_settings.py": "from app_a.configs.model_configs import DOC_EMBEDDING_DIM\nfrom model_server.constants import EmbeddingProvider\n",
    "backend/tests/integration/test_search_flow.py": (
        "from app_a.main import app\nfrom model_server.main import app as model_app\n\n\n"
        "def test_flow():\n    assert app and model_app\n"
    ),
    "backend/scripts/reindex.py": "from app_a.search.pipeline import embed\nfrom model_server.encoders import local_rerank\n",
    "backend/alembic/env.py": "from app_a.configs.model_configs import DOC_EMBEDDING_DIM\n",
    **_under("web", NEXT_APP),
}

SOURCE_ROOT_SERVICES: dict[str, str] = {
    **GIT,
    **SOURCE_ROOT_BACKEND,
    "backend/Dockerfile": (
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY ./requirements/default.txt /tmp/requirements.txt\n"
        "RUN pip install -r /tmp/requirements.txt\n"
        "COPY ./app_a /app/app_a\nCOPY ./shared_configs /app/shared_configs\nCOPY ./alembic /app/alembic\n"
        "ENV PYTHONPATH=/app\n"
        'CMD ["uvicorn", "app_a.main:app", "--host", "0.0.0.0", "--port", "8080"]\n'
    ),
    "backend/Dockerfile.model_server": (
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY ./requirements/model_server.txt /tmp/requirements.txt\n"
        "RUN pip install -r /tmp/requirements.txt\n"
        "COPY ./app_a/utils/logger.py /app/app_a/utils/logger.py\n"
        "COPY ./shared_configs /app/shared_configs\nCOPY ./model_server /app/model_server\n"
        "ENV PYTHONPATH=/app\n"
        'CMD ["uvicorn", "model_server.main:app", "--host", "0.0.0.0", "--port", "9000"]\n'
    ),
    "deployment/docker-compose.yml": (
        "services:\n  api_server:\n    build:\n      context: ../backend\n      dockerfile: Dockerfile\n"
        "  inference_model_server:\n    build:\n      context: ../backend\n      dockerfile: Dockerfile.model_server\n"
    ),
}

OWN_DOCKERFILE_SERVICES: dict[str, str] = {
    **GIT,
    **SOURCE_ROOT_BACKEND,
    "backend/app_a/Dockerfile": (
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY . /app/app_a\nCOPY ../shared_configs /app/shared_configs\n"
        'ENV PYTHONPATH=/app\nCMD ["uvicorn", "app_a.main:app"]\n'
    ),
    "backend/model_server/Dockerfile": (
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY . /app/model_server\n"
        'ENV PYTHONPATH=/app\nCMD ["uvicorn", "model_server.main:app"]\n'
    ),
}

PACKAGED_LIBS: dict[str, str] = {
    **GIT,
    "libs/chat-server/pyproject.toml": '[project]\nname = "chat-server"\nversion = "0.1.0"\n'
                                        'dependencies = ["fastapi"]\n',
    "libs/chat-server/chat/__init__.py": "",
    "libs/chat-server/chat/server/__init__.py": "",
    "libs/chat-server/chat/server/schemas.py": "from pydantic import BaseModel\n\n\nclass ChatInput(BaseModel):\n    query: str\n",
    "libs/chat-server/chat/server/api.py": (
        "from fastapi import FastAPI\n\nfrom chat.server.schemas import ChatInput\nfrom common.text import clean\n\n"
        "app = FastAPI()\n\n\n@app.post('/chat')\ndef chat(body: ChatInput) -> str:\n    return clean(body.query)\n"
    ),
    "libs/chat-server/chat_agents/__init__.py": "",
    # a library shipped in the server's own distribution
    "libs/chat-server/chat_agents/tools.py": "from chat.server.schemas import ChatInput\n",
    "libs/chat-sdk/pyproject.toml": '[project]\nname = "chat-sdk"\nversion = "0.1.0"\ndependencies = ["httpx"]\n',
    "libs/chat-sdk/chat_sdk/__init__.py": "from chat_sdk.client import ChatClient\n",
    "libs/chat-sdk/chat_sdk/client.py": (
        "import httpx\n\nfrom chat_sdk.types import ChatRequest\n\n\n"
        "class ChatClient:\n    def send(self, base: str, request: ChatRequest) -> str:\n"
        "        return httpx.post(f'{base}/chat', json=request.model_dump()).text\n"
    ),
    # the client SDK reaching into the server's schemas: installing the SDK now needs the server
    "libs/chat-sdk/chat_sdk/types.py": "from chat.server.schemas import ChatInput  # error: ISO601\n\n\nclass ChatRequest(ChatInput):\n    ...\n",
    "libs/chat-sdk/tests/test_client.py": "from chat_sdk import ChatClient\n\n\ndef test_client():\n    assert ChatClient\n",
    "common/__init__.py": "",
    "common/text.py": "def clean(text: str) -> str:\n    return text.strip()\n",
}

LAYOUTS = {
    "top-level services": TOP_LEVEL_SERVICES,
    "services side by side under a source root": SOURCE_ROOT_SERVICES,
    "services with their own Dockerfiles under a source root": OWN_DOCKERFILE_SERVICES,
    "distributions side by side in a libs folder": PACKAGED_LIBS,
}
