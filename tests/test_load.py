"""60 s of load on loopback: 64 connections of mixed reads while 5 writers send submissions.

Runs in the PostgreSQL+Redis pass of `.ci/run` (two gunicorn workers sharing PostgreSQL/PostGIS and
Redis, as on a real deployment). Nothing may answer 5xx, and the database must hold exactly the
submissions the writers were told were accepted. The figures are printed (and `make bench` reports them).
"""

import json
import shutil

import pytest

from bench import load
from bench.servers import Gunicorn

from . import backends
from .contributions import token_for

pytestmark = pytest.mark.skipif(
    not (backends.on_postgres() and backends.REDIS_URL),
    reason="needs PostgreSQL and Redis (the second pass of .ci/run)",
)
SECONDS = 60


def test_mixed_reads_and_writers_for_60_s_no_5xx_and_no_lost_submission(make_app, tmp_path):
    assert shutil.which("wrk"), "wrk is missing: `make test-services` installs Debian's wrk"
    database = backends.new_database()
    config = backends.backend_config(database)
    setup = make_app(**config)
    with setup.app_context():
        from geotour.context import current
        from geotour.contributions import accounts

        for n in range(5):
            accounts.create_user(current().storage, f"penulis{n}", "a-long-password", "contributor")
    tokens = [token_for(setup, f"penulis{n}") for n in range(5)]
    server = Gunicorn(tmp_path, {**config, "GEOTOUR_RATELIMIT_UPLOADS": "100000 per hour"}, workers=2)
    try:
        result = load.run(server.url, tokens, seconds=SECONDS)
    finally:
        server.stop()
    stored = [row[0] for row in backends.run_sql(setup, "SELECT id FROM submissions ORDER BY id")]
    setup.extensions["geotour"].storage.close()
    backends.drop_database(database)
    accepted = result["writes"].pop("accepted_ids")
    print("load:", json.dumps({**result, "accepted": len(accepted), "stored": len(stored)}))

    reads = result["reads"]
    assert reads["requests"] > 1_000
    assert reads["status_5xx"] == 0 and reads["status_4xx"] == 0
    assert reads["connect_errors"] == reads["read_errors"] == reads["write_errors"] == reads["timeouts"] == 0
    assert set(result["writes"]["statuses"]) == {"201"}, result["writes"]["statuses"]
    assert len(accepted) > 50
    assert stored == accepted  # none lost, none extra
