"""Flask glue: responses and caching, error handlers, auth, i18n, request parameters, assets and maps
(the only place that configures Folium); the blueprints live in pages/, contribute/ and api/.

May import: everything below it (geotour.domain, geotour.contributions, geotour.storage, geotour.context,
geotour.config, geotour.errors, geotour.text). Nothing below imports it."""
