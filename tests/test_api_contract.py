"""The OpenAPI document and the server agree: Schemathesis, run as a client would run it, sends every GET the
document allows (and many it forbids) and checks each answer, its status, media type and headers (Allow on a
405 too) against the document."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_schemathesis_finds_no_difference_between_the_document_and_the_server(server_process, tmp_path):
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{server_process}/api/openapi.json",
        "--checks=all",
        "--include-method=GET",
        "--max-examples=30",
        "--seed=33",  # the same cases on every run; change it to explore
        "--no-color",
    ]
    hooks = {"SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        command, cwd=tmp_path, env={**os.environ, **hooks}, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-8000:]
