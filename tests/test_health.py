"""/healthz (= /healthz/ready) says whether this machine can serve; /healthz/live only that it answers."""


def test_healthy(client):
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["cache"]["ok"]
    assert "no-store" in response.headers["Cache-Control"]


def test_database_down_with_nothing_cached_is_503_with_retry_after(make_app, monkeypatch):
    app = make_app(GEOTOUR_CACHE_URL="null")
    client = app.test_client()

    def down(allow_stale=False):
        raise OSError("database is gone")

    monkeypatch.setattr(app.extensions["geotour"].storage, "data_version", down)
    for path in ("/healthz", "/healthz/ready"):
        response = client.get(path)
        assert response.status_code == 503 and response.headers["Retry-After"] == "10"
        assert response.get_json()["status"] == "unavailable" and response.get_json()["missing"] == [
            "database"
        ]
    assert client.get("/healthz/live").status_code == 200  # the process answers: no restart needed


def test_a_cache_that_cannot_be_reached_is_degraded_not_down(app, client, monkeypatch):
    def unreachable(*args, **kwargs):
        raise ConnectionError("redis is gone")

    from geotour.web.responses import cache

    monkeypatch.setattr(cache, "set", unreachable)
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "degraded" and body["missing"] == ["cache"]
    assert "Retry-After" not in response.headers


def test_gunicorn_serves_the_app(tmp_path):
    from bench.servers import Gunicorn

    server = Gunicorn(tmp_path, {"GEOTOUR_DATABASE_URL": f"sqlite:///{tmp_path}/serve.sqlite3"}, workers=2)
    assert len(server.worker_pids()) == 2
    server.stop()
    assert "GET /healthz" in server.log()  # access log on stdout
