"""Settings: bad values stop start-up with a clear message (tests/test_docs.py checks each is documented)."""

import pytest

from geotour.config import ConfigError, load_config


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"GEOTOUR_CACHE_TIMEOUT": "soon"}, "GEOTOUR_CACHE_TIMEOUT must be a whole number"),
        ({"GEOTOUR_CACHE_URL": "memcached://x"}, "GEOTOUR_CACHE_URL"),
        ({"GEOTOUR_DEFAULT_LOCALE": "fr"}, "GEOTOUR_DEFAULT_LOCALE"),
        ({"GEOTOUR_DATABASE_URL": "mysql://db"}, "GEOTOUR_DATABASE_URL"),
        ({"GEOTOUR_DATA_DIR": "/nonexistent/geojson"}, "GEOTOUR_DATA_DIR"),
        ({"GEOTOUR_TLS_CERT": "/etc/hostname"}, "GEOTOUR_TLS_CERT and GEOTOUR_TLS_KEY go together"),
        (
            {"GEOTOUR_TLS_CERT": "/etc/hostname", "GEOTOUR_TLS_KEY": "/nonexistent/key.pem"},
            "GEOTOUR_TLS_KEY is not a file: /nonexistent/key.pem",
        ),
    ],
)
def test_bad_settings_stop_start_up(make_app, overrides, message):
    with pytest.raises(ConfigError, match=message):
        make_app(**overrides)


def test_settings_come_from_the_environment(make_app, monkeypatch):
    monkeypatch.setenv("GEOTOUR_HTTP_MAX_AGE", "42")
    response = make_app().test_client().get("/api/v1/layers")
    assert "max-age=42" in response.headers["Cache-Control"]


def test_tile_urls_are_configurable(make_app):
    html = (
        make_app(GEOTOUR_TILES_OSM="https://tiles.example.test/{z}/{x}/{y}.png")
        .test_client()
        .get("/")
        .get_data(as_text=True)
    )
    assert "tiles.example.test" in html and "tile.openstreetmap.org" not in html


@pytest.mark.parametrize(
    "word, expected",
    [
        ("off", False),
        ("OFF", False),
        ("0", False),
        ("tidak", False),
        ("on", True),
        ("1", True),
        ("yes", True),
    ],
)
def test_auto_seed_reads_yes_no_words_as_people_write_them(tmp_path, word, expected):
    assert load_config(tmp_path, environ={"GEOTOUR_AUTO_SEED": word})["GEOTOUR_AUTO_SEED"] is expected


@pytest.mark.parametrize("key", ["GEOTOUR_AUTO_SEED", "GEOTOUR_SECURE_COOKIES"])
def test_an_unknown_yes_no_word_stops_start_up_naming_the_variable(tmp_path, key):
    with pytest.raises(ConfigError, match=f"^{key} must be one of .*got 'sometimes'"):
        load_config(tmp_path, environ={key: "sometimes"})


def test_a_redis_on_a_socket_holds_the_cache_and_the_rate_limits(tmp_path):
    """make serve names the Redis it starts by its socket (scripts/serve.sh)."""
    config = load_config(tmp_path, environ={"GEOTOUR_CACHE_URL": "unix:///run/geotour/redis.sock"})
    assert config["CACHE_REDIS_URL"] == "unix:///run/geotour/redis.sock"
    assert config["RATELIMIT_STORAGE_URI"] == "redis+unix:///run/geotour/redis.sock"
