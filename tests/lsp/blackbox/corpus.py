"""Files the server has never seen: generated per run from a seed (random names, random
non-ASCII text placed before the findings), dropped into a copy of ``examples/monorepo`` so the
cross-file rules (the WebSocket contract, service boundaries) have real peers."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
EXAMPLE_MONOREPO = REPO / "examples" / "monorepo"
#: example files every session opens: Python (config, contract, sessions), TypeScript, dotenv
EXAMPLE_FILES = (
    "services/backend/app/config.py",
    "services/backend/app/ws/messages.py",
    "services/backend/app/db/legacy.py",
    "frontend/src/ws/client.ts",
    "frontend/src/components/ThreadList.tsx",
    ".env.staging",
)
#: text that is wider than one code unit in some encoding: 2-byte, 4-byte/surrogate pair, CJK
WIDE = ("é", "🎉", "中文", "ü", "👩‍💻", "日本語", "ß", "𝔘")


def copy_monorepo(destination: Path) -> Path:
    shutil.copytree(EXAMPLE_MONOREPO, destination, ignore=shutil.ignore_patterns(".isolint_cache", "__pycache__"))
    return destination


def _wide(rng: random.Random, count: int = 3) -> str:
    return " ".join(rng.choice(WIDE) for _ in range(count))


def _name(rng: random.Random, prefix: str) -> str:
    return f"{prefix}_{rng.choice(['orders', 'billing', 'search', 'inbox', 'audit'])}_{rng.randrange(10_000)}"


def python_module(rng: random.Random, crlf: bool = False) -> str:
    """Production code with local-host defaults, sessions opened without a context manager
    and an async call never awaited (the last two with safe fixes), with wide characters earlier on the same lines and on lines above."""
    entity = rng.choice(["order", "invoice", "ticket", "payment"])
    text = f'''"""{entity.title()} storage — {_wide(rng)} ({_wide(rng)})."""

import os

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

LABEL = "{_wide(rng)}"; CACHE_HOST = "localhost"
GREETING = "{_wide(rng, 5)}"  # {_wide(rng)}
DATABASE_URL = os.getenv("DATABASE_URL", "postgresql://app:app@localhost:5432/{entity}_dev")


def load_{entity}(engine, {entity}_id: int):
    """{_wide(rng, 2)}"""
    session = Session(engine)
    label = "{_wide(rng, 2)}"; row = session.get(object, {entity}_id)
    return label, row


def cache_url(port: int = 6379) -> str:
    return f"redis://{{'🎉' and 'localhost'}}:{{port}}/0"


async def touch_{entity}(session: AsyncSession, row) -> None:
    note = "{_wide(rng)}"; session.add(row)
    session.commit()


def count_{entity}s(engine) -> int:
    session = Session(engine)
    total = session.query(object).count()  # {_wide(rng)}
    session.close()
    return total
'''
    return text.replace("\n", "\r\n") if crlf else text


def deployed_env(rng: random.Random) -> str:
    return f"""# Production — {_wide(rng)} {_wide(rng)}
APP_NAME="{_wide(rng, 2)} shop"
APP_ENV=development
# {_wide(rng)}
DATABASE_URL=postgresql+asyncpg://postgres:postgres@localhost:5432/app_dev
REDIS_HOST=redis.prod.internal
DEBUG=true
"""


def frontend_module(rng: random.Random) -> str:
    """A TypeScript socket helper sending types the backend does not know (one a near miss of
    ``thread_updated``), with wide characters before the sends."""
    unknown = f"{rng.choice(['archive', 'export', 'mute'])}_thread_{rng.randrange(100)}"
    return f"""// {_wide(rng)} — {_wide(rng)}
import type {{ ClientMessage }} from './types';

const LABEL = '{_wide(rng, 4)}';

export function archive(socket: WebSocket, threadId: string): void {{
  const note = '{_wide(rng)}'; socket.send(JSON.stringify({{ type: '{unknown}', payload: {{ threadId }} }}));
}}

export function touch(socket: WebSocket, threadId: string): void {{
  socket.send(JSON.stringify({{ type: 'thread_updatd', payload: {{ note: '{_wide(rng)}' }} }}));
}}
"""


def frontend_component(rng: random.Random) -> str:
    return f"""import React from 'react';

// {_wide(rng)} {_wide(rng)}
export function Banner({{ socket }}: {{ socket: WebSocket }}) {{
  const title = '{_wide(rng, 3)}';
  socket.onmessage = (event) => {{
    const message = JSON.parse(event.data);
    switch (message.type) {{
      case 'agent_paused': return;
      case 'thread_created': return;
    }}
  }};
  return <h1 title="{_wide(rng)}">{{title}} {_wide(rng, 2)}</h1>;
}}
"""


def unseen_files(root: Path, seed: int) -> list[Path]:
    """Write the generated files into the workspace; returns their paths."""
    rng = random.Random(seed)
    files = {
        f"services/backend/app/{_name(rng, 'store')}.py": python_module(rng),
        f"services/auth/app/{_name(rng, 'crlf')}.py": python_module(rng, crlf=True),
        f"deploy/{rng.choice(['eu', 'us'])}/.env.production": deployed_env(rng),
        f"frontend/src/ws/{_name(rng, 'socket')}.ts": frontend_module(rng),
        f"frontend/src/components/{_name(rng, 'Banner')}.tsx": frontend_component(rng),
    }
    paths = []
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        paths.append(path)
    return paths
