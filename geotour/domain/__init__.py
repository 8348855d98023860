"""Pure domain code: features, layers, geodesy (distances), the geopark area, places, contact links,
structured data and exports. Plain values in, plain values out; callable without a server.

May import: geotour.errors, geotour.text and each other. Never geotour.web, geotour.contributions,
geotour.storage or Flask."""
