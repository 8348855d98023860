"""Read Geotour's /ogc with QGIS itself (Debian's python3-qgis, offscreen), as the office's GIS staff do.

Run by tests/test_qgis.py with Debian's /usr/bin/python3, never the venv's: `python3 qgis_client.py BASE_URL
WORKDIR BBOX`. Prints one JSON object: for every collection, whether the layer is valid, its feature count,
its ids, each feature's non-null attributes, the ids a bbox request returns, and the size of a PNG rendered
from all the layers.
"""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsFeatureRequest,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsNetworkAccessManager,
    QgsRectangle,
    QgsSettings,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor  # noqa: E402


def open_layer(base, collection):
    uri = f"url='{base}/ogc' typename='{collection}' restrictToRequestBBOX='0'"
    return QgsVectorLayer(uri, collection, "OAPIF")


def describe(layer, bbox):
    fields = [f.name() for f in layer.fields()]
    features = {}
    for feature in layer.getFeatures():
        values = dict(zip(fields, feature.attributes(), strict=True))
        fid = str(values.get("id"))
        features[fid] = sorted(k for k, v in values.items() if v is not None and str(v) != "NULL")
    in_box = sorted(
        str(f["id"]) for f in layer.getFeatures(QgsFeatureRequest().setFilterRect(QgsRectangle(*bbox)))
    )
    return {
        "valid": layer.isValid(),
        "count": layer.featureCount(),
        "fields": fields,
        "features": features,
        "bbox_ids": in_box,
    }


def render(layers, path):
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setOutputSize(QSize(600, 600))
    settings.setBackgroundColor(QColor(255, 255, 255))
    extent = QgsRectangle()
    for layer in layers:
        extent.combineExtentWith(layer.extent())
    settings.setExtent(extent)
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    image.save(path, "PNG")
    white = sum(
        image.pixelColor(x, y).name() == "#ffffff" for x in range(0, 600, 10) for y in range(0, 600, 10)
    )
    return {"png": path, "painted_samples": 3600 - white}


def main(base, workdir, bbox, collections):
    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    # QGIS's own network cache, in the test's folder: the answers are Cache-Control: public.
    QgsSettings().setValue("cache/directory", os.path.join(workdir, "qgis-cache"))
    QgsNetworkAccessManager.instance()
    out, layers = {}, []
    for collection in collections:
        layer = open_layer(base, collection)
        out[collection] = describe(layer, bbox)
        layers.append(layer)
    out["_render"] = render(
        [layer for layer in layers if layer.isValid()], os.path.join(workdir, "layers.png")
    )
    print(json.dumps(out), flush=True)
    # QGIS 3.22 can crash while tearing down layers at exit; what was read is printed, so leave at once.
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], [float(v) for v in sys.argv[3].split(",")], sys.argv[4].split(","))
