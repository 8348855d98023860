"""Start the app under gunicorn (as `make serve` does) in a test, on a free loopback port."""
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    """Return a TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn with gunicorn.conf.py; its output goes to a log file, shown when it fails to start."""

    def __init__(self, log_dir, env, workers=2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_dir) / f"gunicorn-{self.port}.log"
        full_env = {**os.environ, "PORT": str(self.port), "GEOTOUR_WORKERS": str(workers), **env}
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([gunicorn, "-c", "gunicorn.conf.py", "geotour:create_app()"],
                                            cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
        self.wait_healthy()

    def wait_healthy(self, timeout=60):
        """Wait until /healthz answers 200; fail with the server's log if it does not."""
        deadline = time.time() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
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
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    pids.append(int(entry.name))
        return pids

    def log(self):
        """Return everything gunicorn wrote so far."""
        return self.log_path.read_text(errors="replace")

    def stop(self):
        """Stop gunicorn and its workers."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
