"""/healthz reports whether the database and the cache work."""


def test_healthy(client):
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["cache"]["ok"]
    assert "no-store" in response.headers["Cache-Control"]


def test_database_down_is_503_with_retry_after(app, client, monkeypatch):
    def down():
        raise OSError("database is gone")

    monkeypatch.setattr(app.extensions["geotour"].storage, "data_version", down)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.headers["Retry-After"] == "10"
    assert response.get_json()["checks"]["database"] == {"ok": False}


def test_gunicorn_serves_the_app(tmp_path):
    import os
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    from tests.conftest import DATA_DIR

    root = DATA_DIR.parent.parent
    with __import__("socket").socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PORT": str(port), "GEOTOUR_WORKERS": "2",
           "GEOTOUR_DATABASE_URL": f"sqlite:///{tmp_path}/serve.sqlite3"}
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    process = subprocess.Popen([gunicorn, "-c", "gunicorn.conf.py", "geotour:create_app()"], cwd=root, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.time() < deadline and process.poll() is None, "gunicorn did not start"
                time.sleep(0.2)
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0].decode()
    assert "GET /healthz" in output  # access log on stdout
