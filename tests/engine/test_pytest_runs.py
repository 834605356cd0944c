"""Which files a project's pytest runs reach: the testpaths of the nearest pytest configuration,
read in pytest's order of precedence."""

from __future__ import annotations

from pathlib import Path

from isolint.engine.pytest_runs import find_test_paths, outside_test_paths
from tests.cli.conftest import write_tree


def test_each_kind_of_configuration_is_read_in_pytests_order(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "api/pytest.ini": "[pytest]\ntestpaths =\n    oss/tests/pytest\n    ee/tests/pytest\n",
        "api/pyproject.toml": "[tool.pytest.ini_options]\ntestpaths = ['ignored']\n",
        "api/oss/tests/pytest/test_a.py": "", "api/ee/tests/pytest/test_b.py": "",
        "sdk/python/pyproject.toml": "[tool.pytest.ini_options]\ntestpaths = ['tests']\n",
        "sdk/python/tests/test_c.py": "",
        "worker/setup.cfg": "[tool:pytest]\ntestpaths = tests\n", "worker/tests/test_d.py": "",
        "web/tox.ini": "[tox]\nenvlist = py311\n",
        "cli/pytest.ini": "",
    })
    assert find_test_paths(tmp_path) == {
        "api": ("api/oss/tests/pytest", "api/ee/tests/pytest"),
        "sdk/python": ("sdk/python/tests",),
        "worker": ("worker/tests",),
        "cli": (),
    }


def test_testpaths_that_do_not_exist_leave_nothing_out(tmp_path: Path) -> None:
    write_tree(tmp_path, {"e2e/pyproject.toml": "[tool.pytest.ini_options]\ntestpaths = ['tests/e2e']\n"})
    assert find_test_paths(tmp_path) == {"e2e": ()}
    assert not outside_test_paths(find_test_paths(tmp_path), "e2e/tests/manual/run.py")


def test_outside_means_beside_the_testpaths_of_the_nearest_configuration() -> None:
    test_paths = {"api": ("api/tests/pytest",), "api/tests/legacy": ()}
    assert outside_test_paths(test_paths, "api/tests/manual/serve.py")
    assert not outside_test_paths(test_paths, "api/tests/pytest/unit/test_orders.py")
    assert not outside_test_paths(test_paths, "api/tests/conftest.py")  # pytest loads it for tests/pytest/
    assert not outside_test_paths(test_paths, "api/conftest.py")
    assert not outside_test_paths(test_paths, "api/tests/legacy/run.py")  # its own configuration names none
    assert not outside_test_paths(test_paths, "worker/tests/manual/run.py")  # no configuration above it


def test_absolute_escaping_and_glob_testpaths_leave_nothing_out(tmp_path: Path) -> None:
    write_tree(tmp_path / "repo", {
        "api/pytest.ini": f"[pytest]\ntestpaths = {tmp_path} ../outside tests/* ./tests/../tests\n",
        "api/tests/test_a.py": "",
    })
    (tmp_path / "outside").mkdir()
    assert find_test_paths(tmp_path / "repo") == {"api": ("api/tests",)}
