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
    from bench.servers import Gunicorn

    server = Gunicorn(tmp_path, {"GEOTOUR_DATABASE_URL": f"sqlite:///{tmp_path}/serve.sqlite3"}, workers=2)
    assert len(server.worker_pids()) == 2
    server.stop()
    assert "GET /healthz" in server.log()  # access log on stdout
