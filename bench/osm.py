"""`flask import-osm` on a synthetic extract the size of a regency's: reading time and peak memory.

Run in its own process (`python -m bench.osm WORKDIR NODES`), so that its peak RSS is its own. The extract is
NODES untagged nodes spread over a box around the geopark (as most of a real extract is: the corners of
roads and buildings), ways of 5 of them each, and one named business or attraction every 100 nodes.
"""

import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import osmium
from osmium.osm.mutable import Node, Way

TAGS = (
    {"tourism": "guest_house"},
    {"amenity": "restaurant"},
    {"shop": "souvenir"},
    {"natural": "waterfall"},
    {"amenity": "bank"},
    {"highway": "residential"},
)


def write(path, nodes, seed=1):
    """Write the synthetic extract; return (nodes, ways, tagged) written."""
    rng = np.random.default_rng(seed)
    lons, lats = rng.uniform(105.9, 107.1, nodes), rng.uniform(-7.6, -6.6, nodes)
    header = osmium.io.Header()
    header.add_box(osmium.osm.Box(105.9, -7.6, 107.1, -6.6))
    tagged = 0
    with osmium.SimpleWriter(str(path), header=header, overwrite=True) as writer:
        for i in range(nodes):
            tags = {}
            if i % 100 == 0:
                tags = {**TAGS[(i // 100) % len(TAGS)], "name": f"Tempat {i}"}
                tagged += 1
            writer.add_node(Node(id=i + 1, location=(float(lons[i]), float(lats[i])), tags=tags))
        ways = nodes // 5
        for w in range(ways):
            refs = [w * 5 + k + 1 for k in range(5)]
            tags = {"building": "yes"} if w % 3 else {"highway": "residential"}
            if w % 200 == 0:
                tags = {"amenity": "cafe", "name": f"Kafe {w}"}
                tagged += 1
            writer.add_way(Way(id=w + 1, nodes=refs, tags=tags))
    return nodes, ways, tagged


def main(workdir, nodes):
    from geotour import create_app
    from geotour.context import current
    from geotour.contributions import osm_import
    from geotour.contributions.osm_extract import read_extract

    workdir = Path(workdir)
    path = workdir / "synthetic.osm.pbf"
    nodes, ways, tagged = write(path, nodes)
    app = create_app(
        {
            "INSTANCE_PATH": workdir / "osm-instance",
            "TESTING": True,
            "GEOTOUR_DATABASE_URL": f"sqlite:///{workdir}/osm.sqlite3",
        }
    )
    with app.app_context():
        ctx = current()
        area = ctx.area()
        start = time.perf_counter()
        extract = read_extract(path, lambda lon, lat: area.place(lon, lat).inside)
        read_s = time.perf_counter() - start
        start = time.perf_counter()
        plan = osm_import.plan_extract(ctx, -1, extract)
        plan_s = time.perf_counter() - start
    print(
        json.dumps(
            {
                "nodes": nodes,
                "ways": ways,
                "tagged": tagged,
                "file_bytes": path.stat().st_size,
                "inside": len(extract.places),
                "proposed": len(plan.items),
                "read_s": round(read_s, 2),
                "plan_s": round(plan_s, 2),
                "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
