"""The OpenAPI document and the server agree: Schemathesis, run as a client would run it (signed in as the
office), sends every GET the document allows (and many it forbids) and checks each answer, its status, media
type and headers (Allow on a 405 too) against the document."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _moderator_token(tmp_path):
    """Make a moderator on the server's database and return a token of theirs, as the office would."""
    env = {**os.environ, "GEOTOUR_DATABASE_URL": f"sqlite:///{tmp_path}/server.sqlite3"}
    flask = [sys.executable, "-m", "flask", "--app", "geotour"]
    subprocess.run(
        [*flask, "users", "create", "--username", "kantor", "--role", "moderator"],
        input="a-long-password-for-the-office\n",
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    printed = subprocess.run(
        [*flask, "tokens", "create", "--username", "kantor"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return next(word for word in printed.split() if word.startswith("gtk_"))


def test_schemathesis_finds_no_difference_between_the_document_and_the_server(server_process, tmp_path):
    """Signed in as the office, so the moderators' reads (submissions, versions, photo sources) are checked too."""
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{server_process}/api/openapi.json",
        "--checks=all",
        "--include-method=GET",
        "--max-examples=30",
        "--seed=33",  # the same cases on every run; change it to explore
        "--no-color",
        f"--header=Authorization: Bearer {_moderator_token(tmp_path)}",
    ]
    hooks = {"SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        command, cwd=tmp_path, env={**os.environ, **hooks}, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-8000:]
    assert "Authentication failed" not in result.stdout, result.stdout[-3000:]  # the token reached every read
