// ESLint for our own JavaScript (`make lint`): the recommended rules, on ES modules and on the classic
// scripts of the service worker (the worker, and the outbox it shares with the pages).
import js from "@eslint/js";
import globals from "globals";

const OURS = {
  L: "readonly", // Leaflet and its plugins, deferred classic scripts from static/vendor
  idbKeyval: "readonly",
  exifr: "readonly",
  GeotourOutbox: "readonly",
  GeotourEmbed: "readonly",
};

export default [
  {
    // templates/sw.js is a Jinja template (the worker's settings), not JavaScript until the app renders it.
    ignores: [
      "static/vendor/**",
      "static/min/**", // minified copies of static/js (make assets)
      "node_modules/**",
      "tools/**",
      "instance/**",
      ".venv/**",
      "bench/**",
      "templates/**",
    ],
  },
  js.configs.recommended,
  {
    files: ["static/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "script",
      globals: { ...globals.browser, ...globals.serviceworker, ...OURS },
    },
    rules: { "no-unused-vars": ["error", { args: "none", caughtErrors: "none" }] },
  },
  {
    files: [
      "static/js/lib/**/*.js",
      "static/js/offline/**/*.js",
      "static/js/geotour-map.js",
      "static/js/map/**/*.js",
      "static/js/place-search.js",
      "static/js/embed.js",
      "static/js/listen.js",
      "static/js/safety.js",
      "static/js/alerts.js",
      "static/js/save-route.js",
      "static/js/report.js",
      "static/js/area-draw.js",
      "static/js/trip.js",
      "static/js/trip-page.js",
      "static/js/save-geopark.js",
      "static/js/count.js",
      "static/js/here.js",
      "static/js/embed-builder.js",
      "static/js/contribute.js",
    ],
    // classic scripts the service worker imports (Workbox's builds are classic: a module worker could not load them)
    ignores: ["static/js/offline/outbox.js", "static/js/offline/worker.js"],
    languageOptions: { sourceType: "module" },
  },
  {
    files: ["tests/js/**/*.js", "eslint.config.js", "scripts/**/*.mjs"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.node },
  },
];
