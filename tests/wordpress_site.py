"""A real WordPress for the embed tests: Debian's wordpress 6.1 package, MariaDB on a socket in a temporary
folder, PHP's built-in server, and WordPress installed and its posts written from PHP CLI.

Debian's wp-config.php reads /etc/wordpress/config-<name>.php, chosen by the WORDPRESS_CONFIG variable: the
site writes one such file with a name of its own and removes it when it stops. Everything else (database,
wp-content with a plain theme and the test's mu-plugin) lives in the temporary folder.

The mu-plugin lets WordPress fetch oEmbed from Geotour on a loopback address. This is for the test only: a
production WordPress refuses private addresses, and the office's Geotour has a public one.
"""

import json
import os
import secrets
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

from bench.servers import free_port

WORDPRESS = Path("/usr/share/wordpress")
CONFIG_DIR = Path("/etc/wordpress")
PLAIN_THEME_CSS = "/*\nTheme Name: Plain test theme\n*/\n"
# The posts: title, content, one line of text, then the URL on its own line, as the classic editor and an
# embed block both leave it for WordPress's autoembed.
PLAIN_THEME_INDEX = """<?php ?><!doctype html><html <?php language_attributes(); ?>><head><meta charset="utf-8">
<?php wp_head(); ?></head><body>
<?php while (have_posts()) : the_post(); ?><article><h1><?php the_title(); ?></h1><?php the_content(); ?></article>
<?php endwhile; ?><?php wp_footer(); ?></body></html>
"""
LOOPBACK_PLUGIN = """<?php
/* TEST ONLY (tests/wordpress_site.py): let WordPress fetch oEmbed from Geotour on a loopback address.
   A production WordPress refuses private addresses; the office's Geotour has a public one. */
add_filter('http_request_host_is_external', '__return_true');
add_filter('http_request_args', function ($args) { $args['reject_unsafe_urls'] = false; return $args; });
"""
# PHP's built-in server passes no environment to $_SERVER: the router hands Debian's wp-config.php its name.
ROUTER = """<?php
$_SERVER['WORDPRESS_CONFIG'] = getenv('WORDPRESS_CONFIG');
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
$file = '/usr/share/wordpress' . $path;
if ($path !== '/' && is_file($file)) {
    if (substr($file, -4) !== '.php') return false;
    chdir(dirname($file));
    require $file;
    return true;
}
chdir('/usr/share/wordpress');
require '/usr/share/wordpress/index.php';
"""
INSTALL = """<?php
define('WP_INSTALLING', true);
$_SERVER['HTTP_HOST'] = '127.0.0.1';
require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
wp_install('Dinas Pariwisata Sukabumi', 'admin', 'admin@example.com', true, '', wp_generate_password(20));
switch_theme('plain');
update_option('embed_autourls', 1);
$ids = [];
foreach (json_decode(file_get_contents($argv[1]), true) as $post) {
    $ids[] = wp_insert_post(['post_title' => $post['title'], 'post_content' => $post['content'],
                             'post_status' => 'publish', 'post_author' => 1]);
}
echo json_encode($ids);
"""


def embed_block(url):
    """Return what the block editor stores when a URL is pasted on its own: an embed block."""
    return (
        f'<!-- wp:embed {{"url":"{url}","type":"rich"}} -->\n<figure class="wp-block-embed is-type-rich">'
        f'<div class="wp-block-embed__wrapper">\n{url}\n</div></figure>\n<!-- /wp:embed -->'
    )


class WordPressSite:
    """Start MariaDB and WordPress; write posts; stop and remove everything."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.name = "geotour-test-" + secrets.token_hex(4)
        self.config = CONFIG_DIR / f"config-{self.name}.php"
        self.socket = self.folder / "mysql.sock"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.processes = []

    def _env(self):
        return {**os.environ, "WORDPRESS_CONFIG": self.name}

    def start(self):
        db = self.folder / "db"
        subprocess.run(
            [
                "mariadb-install-db",
                "--no-defaults",
                f"--datadir={db}",
                "--user=root",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ],
            check=True,
            capture_output=True,
        )
        self.processes.append(
            subprocess.Popen(
                [
                    "mariadbd",
                    "--no-defaults",
                    f"--datadir={db}",
                    f"--socket={self.socket}",
                    "--skip-networking",
                    "--user=root",
                    f"--pid-file={self.folder / 'db.pid'}",
                    f"--log-error={self.folder / 'db.err'}",
                ]
            )
        )
        deadline = time.time() + 60
        while subprocess.run(
            [
                "mariadb",
                "--no-defaults",
                f"--socket={self.socket}",
                "-uroot",
                "-e",
                "CREATE DATABASE IF NOT EXISTS wordpress",
            ],
            capture_output=True,
        ).returncode:
            if time.time() > deadline:
                raise RuntimeError("MariaDB did not start: " + (self.folder / "db.err").read_text()[-2000:])
            time.sleep(0.3)
        content = self.folder / "wp-content"
        (content / "themes" / "plain").mkdir(parents=True)
        (content / "themes" / "plain" / "style.css").write_text(PLAIN_THEME_CSS)
        (content / "themes" / "plain" / "index.php").write_text(PLAIN_THEME_INDEX)
        (content / "mu-plugins").mkdir()
        (content / "mu-plugins" / "allow-loopback-oembed.php").write_text(LOOPBACK_PLUGIN)
        CONFIG_DIR.mkdir(parents=True, exist_ok=True)
        self.config.write_text(
            "<?php\n"
            f"define('DB_NAME', 'wordpress'); define('DB_USER', 'root'); define('DB_PASSWORD', '');\n"
            f"define('DB_HOST', 'localhost:{self.socket}');\n"
            f"define('WP_HOME', '{self.url}'); define('WP_SITEURL', '{self.url}');\n"
            f"define('WP_CONTENT_DIR', '{content}');\n"
            "define('AUTOMATIC_UPDATER_DISABLED', true); define('WP_HTTP_BLOCK_EXTERNAL', false);\n"
            "define('DISABLE_WP_CRON', true);\n"
            "$table_prefix = 'wp_';\n"
        )
        (self.folder / "router.php").write_text(ROUTER)
        self.processes.append(
            subprocess.Popen(
                [
                    "php",
                    "-S",
                    f"127.0.0.1:{self.port}",
                    "-t",
                    str(WORDPRESS),
                    str(self.folder / "router.php"),
                ],
                env=self._env(),
                stdout=subprocess.DEVNULL,
                stderr=(self.folder / "php.log").open("w"),
            )
        )
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(self.url + "/wp-includes/js/wp-embed.min.js", timeout=2).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError("PHP's server did not start") from None
                time.sleep(0.2)
        return self

    def install(self, posts):
        """Install WordPress and publish posts [{title, content}]; return their URLs."""
        script, data = self.folder / "install.php", self.folder / "posts.json"
        script.write_text(INSTALL)
        data.write_text(json.dumps(posts))
        done = subprocess.run(
            ["php", str(script), str(data)], env=self._env(), capture_output=True, text=True, timeout=120
        )
        if done.returncode:
            raise RuntimeError(done.stdout[-2000:] + done.stderr[-2000:])
        ids = json.loads(done.stdout.strip().splitlines()[-1])
        return [f"{self.url}/?p={post_id}" for post_id in ids]

    def stop(self):
        for process in reversed(self.processes):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        self.config.unlink(missing_ok=True)
        shutil.rmtree(self.folder / "db", ignore_errors=True)


def available():
    """Return what is missing to run WordPress here ("" when nothing is)."""
    missing = [
        name for name in ("php", "mariadbd", "mariadb-install-db", "mariadb") if not shutil.which(name)
    ]
    if not (WORDPRESS / "wp-load.php").exists():
        missing.append("wordpress")
    return ", ".join(missing)
