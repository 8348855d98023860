"""Machine interfaces: /api/v1 reads and writes, /ogc (OGC API - Features), the OpenAPI document and
/healthz. May import geotour.web and everything it may."""
