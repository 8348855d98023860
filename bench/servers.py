"""Servers for benchmarks and tests: Geotour under gunicorn (as `make serve`), pygeoapi in its own venv, nginx;
and the benchmark databases."""

import base64
import hashlib
import os
import random
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench import bulk
from geotour import create_app

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PYGEOAPI = "pygeoapi==0.21.0"
SERVICES = Path(os.environ.get("GEOTOUR_BENCH_SERVICES", "/tmp/geotour-bench-services"))
SERVICE_PORTS = {"GEOTOUR_PG_PORT": "25442", "GEOTOUR_REDIS_PORT": "26389"}  # apart from the tests' services


# Ports for servers started on a port named in advance (gunicorn, nginx, redis, flask run, WordPress). Not
# the kernel's ephemeral ports (32768+ on Linux): a port found free there can be handed to another
# process's bind(("127.0.0.1", 0)) or outgoing connection before the server started here binds it (the
# nginx of `make serve` binds seconds later, after gunicorn), and a test then talks to another test's app.
# Each pytest-xdist worker takes its own slice, so two workers never name the same port; below the test
# services' fixed ports (25432, 26379) and the benchmark's (25442, 26389).
NAMED_PORTS = range(20000, 25000)
_SLICE = 500
_handed_out = set()


def free_port():
    """Return a TCP port nobody listens on now, outside the kernel's ephemeral range and not handed out
    before by this process (its server may not have bound it yet)."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    assert NAMED_PORTS.stop <= low, f"named ports {NAMED_PORTS} overlap the ephemeral ports ({low}+)"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", …; unset outside pytest-xdist
    index = int(worker.removeprefix("gw")) + 1 if worker.startswith("gw") else 0
    start = NAMED_PORTS.start + (index * _SLICE) % len(NAMED_PORTS)
    ports = list(range(start, start + _SLICE))
    random.shuffle(ports)
    for port in ports:
        if port in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise AssertionError(f"no free port in {start}..{start + _SLICE - 1}")


def wait_for(url, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read()
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not start")


def run(command, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, check=True, **kwargs).stdout


def start_services():
    """Start PostgreSQL+PostGIS and Redis on loopback (scripts/services.sh); return their settings."""
    subprocess.run(
        [str(ROOT / "scripts" / "services.sh"), "start", str(SERVICES)],
        check=True,
        env={**os.environ, **SERVICE_PORTS},
    )
    settings = {}
    for line in (SERVICES / "env").read_text().splitlines():
        key, value = line.removeprefix("export ").split("=", 1)
        settings[key] = value
    return settings


def new_pg_database(services, name):
    import psycopg

    with psycopg.connect(services["GEOTOUR_TEST_PG_ADMIN_URL"], autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return services["GEOTOUR_TEST_DATABASE_URL"].rsplit("/", 1)[0] + "/" + name


def prepared_app(url, instance, msmes=None):
    """Create (migrate, seed) the database at url; with msmes, replace the MSMEs by that many synthetic ones."""
    app = create_app({"INSTANCE_PATH": instance, "GEOTOUR_DATABASE_URL": url, "GEOTOUR_CACHE_URL": "simple"})
    storage = app.extensions["geotour"].storage
    if msmes is not None:
        if url.startswith("sqlite"):
            bulk.load_sqlite(storage, msmes)
        else:
            bulk.load_postgres(url, msmes)
    return app


class Gunicorn:
    """gunicorn with gunicorn.conf.py; its output goes to a log file, shown when it fails to start."""

    ssl_context = cert = spki = None  # plain HTTP

    def __init__(self, log_dir, env, workers=2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_dir) / f"gunicorn-{self.port}.log"
        full_env = {**os.environ, "PORT": str(self.port), "GEOTOUR_WORKERS": str(workers), **env}
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [gunicorn, "-c", "gunicorn.conf.py", "geotour:create_app()"],
                cwd=ROOT,
                env=full_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.wait_healthy()

    def wait_healthy(self, timeout=60):
        """Wait until /healthz answers 200; fail with the server's log if it does not."""
        deadline = time.time() + timeout
        while True:
            try:
                with urllib.request.urlopen(
                    self.url + "/healthz", timeout=2, context=self.ssl_context
                ) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if time.time() > deadline or self.process.poll() is not None:
                self.stop()
                raise AssertionError(f"gunicorn did not become healthy:\n{self.log()}")
            time.sleep(0.2)

    def worker_pids(self):
        """Return the pids of the master's worker processes."""
        return _children(self.process.pid)

    def log(self):
        """Return everything gunicorn wrote so far."""
        return self.log_path.read_text(errors="replace")

    STOP_WAIT_S = 20

    def stop(self):
        """Stop the server: TERM, then KILL if it has not stopped within STOP_WAIT_S."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=self.STOP_WAIT_S)
            except subprocess.TimeoutExpired:
                self._kill()
                self.process.wait()

    def _kill(self):
        self.process.kill()


def _children(pid):
    """Return the pids whose parent is pid."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def rss_kib(pid):
    """Return a process's resident memory in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def self_signed(folder):
    """Make a certificate for 127.0.0.1 in `folder`; return (cert, key, spki): spki is its public key's
    SHA-256 in base64, which Chromium's --ignore-certificate-errors-spki-list then trusts as a CA's would be
    (so it caches, and runs service workers, as on a real site)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        + ["-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        + ["-keyout", str(key), "-out", str(cert)]
    )
    public = subprocess.run(
        ["openssl", "pkey", "-in", str(key), "-pubout", "-outform", "der"], capture_output=True, check=True
    ).stdout
    return cert, key, base64.b64encode(hashlib.sha256(public).digest()).decode()


class FrontServer(Gunicorn):
    """`make serve` as it runs in production: scripts/serve.sh, nginx on a free port in front of gunicorn;
    with tls=True over HTTPS and HTTP/2, with a certificate made here (self.spki: see self_signed).

    It shares Gunicorn's health wait and log, not its start: serve.sh starts gunicorn itself.
    """

    def __init__(self, log_dir, env, workers=2, tls=False):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        if tls:
            self.cert, key, self.spki = self_signed(Path(log_dir) / f"tls-{self.port}")
            env = {**env, "GEOTOUR_TLS_CERT": str(self.cert), "GEOTOUR_TLS_KEY": str(key)}
            self.ssl_context = ssl.create_default_context(cafile=str(self.cert))
            self.url = f"https://127.0.0.1:{self.port}"
        self.run_dir = Path(log_dir) / f"serve-{self.port}"
        self.log_path = Path(log_dir) / f"serve-{self.port}.log"
        full_env = {
            **os.environ,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "GEOTOUR_WORKERS": str(workers),
            "GEOTOUR_RUN_DIR": str(self.run_dir),
            "VENV": str(Path(sys.executable).parent.parent),
            **env,
        }
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [str(ROOT / "scripts" / "serve.sh")],
                cwd=ROOT,
                env=full_env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_healthy()
        self._check_nginx_answers()

    def _check_nginx_answers(self):
        """Fail unless this server's nginx answers on the port: /nginx-health is nginx's alone."""
        try:
            with urllib.request.urlopen(
                self.url + "/nginx-health", timeout=5, context=self.ssl_context
            ) as response:
                if response.read() == b"ok\n" and self.process.poll() is None:
                    return
        except OSError:
            pass
        self.stop()
        raise AssertionError(f"another server answers on port {self.port}, not this nginx:\n{self.log()}")

    def gunicorn_pid(self):
        """Return the pid of the gunicorn master (a child of serve.sh)."""
        for pid in _children(self.process.pid):
            if b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
        raise AssertionError(f"no gunicorn under make serve:\n{self.log()}")

    def worker_pids(self):
        """Return the pids of gunicorn's workers."""
        return sorted(_children(self.gunicorn_pid()))

    STOP_WAIT_S = 30  # serve.sh stops nginx and gunicorn on TERM

    def _kill(self):
        os.killpg(self.process.pid, 9)  # serve.sh, nginx and gunicorn alike


def pygeoapi_server(data_file, workdir):
    """Install pygeoapi into its own venv (once) and start it with 2 gunicorn workers on the same GeoJSON."""
    venv = OUT / "pygeoapi-venv"
    if not (venv / "bin" / "pygeoapi").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [
                str(venv / "bin" / "pip"),
                "install",
                "-q",
                "--disable-pip-version-check",
                PYGEOAPI,
                "gunicorn==27.0.1",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    port = free_port()
    config = (
        (ROOT / "bench" / "pygeoapi-config.yml")
        .read_text()
        .replace("@PORT@", str(port))
        .replace("@DATA@", str(data_file))
    )
    (workdir / "pygeoapi.yml").write_text(config)
    env = {
        **os.environ,
        "PYGEOAPI_CONFIG": str(workdir / "pygeoapi.yml"),
        "PYGEOAPI_OPENAPI": str(workdir / "pygeoapi-openapi.yml"),
    }
    subprocess.run(
        [
            str(venv / "bin" / "pygeoapi"),
            "openapi",
            "generate",
            str(workdir / "pygeoapi.yml"),
            "--output-file",
            str(workdir / "pygeoapi-openapi.yml"),
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    process = subprocess.Popen(
        [
            str(venv / "bin" / "gunicorn"),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "pygeoapi.flask_app:APP",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/collections/msmes/items?f=json&limit=1000"
    body = wait_for(url)
    version = run(
        [str(venv / "bin" / "python"), "-c", "import pygeoapi; print(pygeoapi.__version__)"]
    ).strip()
    return process, url, body, version


def nginx_server(folder, filename="layer.json"):
    """Start nginx (2 workers) sending the files in folder, precompressed .gz forms included; return (process, url)."""
    port = free_port()
    conf = folder / "nginx.conf"
    conf.write_text(f"""worker_processes 2; pid {folder}/nginx.pid; error_log {folder}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; sendfile on; types {{ application/geo+json json geojson; }}
  client_body_temp_path {folder}; proxy_temp_path {folder}; fastcgi_temp_path {folder};
  uwsgi_temp_path {folder}; scgi_temp_path {folder};
  server {{ listen 127.0.0.1:{port}; root {folder}; gzip_static on; }} }}
""")
    process = subprocess.Popen(
        ["nginx", "-c", str(conf), "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return process, f"http://127.0.0.1:{port}/{filename}"
