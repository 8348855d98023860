/* Geotour service worker, shell {{ settings.version }}. What it does is static/js/offline/worker.js; this
 * file gives it the server's settings (cache names and limits, the shell's URLs, the API's routes), then
 * imports Workbox's loader, the outbox, and the worker. */
self.GEOTOUR_WORKER = {{ settings|tojson }};
importScripts({% for url in imports %}{{ url|tojson }}{{ ", " if not loop.last }}{% endfor %});
