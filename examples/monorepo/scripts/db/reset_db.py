"""Drop and recreate the local development database. Never run against a deployed one."""

from __future__ import annotations

import os

import psycopg2

DSN = os.getenv("DATABASE_URL", "postgresql://postgres:postgres@localhost:5432/postgres")


def reset(name: str = "app_dev") -> None:
    connection = psycopg2.connect(DSN, host="localhost", port=5432, password="postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    reset()
