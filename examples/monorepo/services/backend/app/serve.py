"""Container entry point of the backend (`python -m app.serve`), and the URLs the process uses
to reach itself.

Binding to loopback and calling yourself on loopback are correct in every environment; the
leak is reaching *another* service at `localhost`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import uvicorn

from app.config import BIND_HOST

#: proxies whose X-Forwarded-* headers uvicorn trusts: a list checked against, never connected to
TRUSTED_PROXIES = frozenset({"127.0.0.1", "::1"})
AUTH_SERVICE_URL = os.getenv("AUTH_SERVICE_URL") or "http://localhost:8001"  # error: ISO102


def main() -> None:
    uvicorn.run(
        "app.main:app",
        host=BIND_HOST or "127.0.0.1",
        port=int(os.environ["PORT"]),
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
    )


def find_free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_metrics_sidecar() -> tuple[subprocess.Popen, str]:
    """Serve Prometheus metrics from a child process on a free port; return it and its URL."""
    server_port = find_free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.metrics:app", "--host", "127.0.0.1", "--port", str(server_port)]
    )
    return process, f"http://127.0.0.1:{server_port}/metrics"


def auth_health_url(auth_port: int) -> str:
    return f"http://localhost:{auth_port}/health"  # error: ISO101
