"""Build the seed layers in data/geojson/ from the CPUGG research data in ../shared/data/cpugg.

Every source property (coord_source, coord_confidence, facts, ...) is kept as it is; the script only
splits sites by type, adds a `category` from the site's tags, and writes one RFC 7946 file per layer.
Routes with stated, ordered stops become the `routes` layer (the stops joined by straight lines, marked
`"track": "stops_only"`); road approaches become `approaches.json`, shown on the sites they lead to.
Run it again after the shared data changes: `make data`.
"""

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "cpugg"
OUT = ROOT / "data" / "geojson"

# The first tag that matches decides the category; order matters (a sea cave is a cave before a coast).
CATEGORY_BY_TAG = {
    "geosite": [
        ("waterfall", "air-terjun"),
        ("hot_spring", "air-panas"),
        ("island", "pulau"),
        ("cave", "gua"),
        ("sea_cave", "gua"),
        ("beach", "pantai"),
        ("viewpoint", "titik-pandang"),
    ],
    "biosite": [("turtle_nesting", "penyu"), ("arboretum", "arboretum")],
    "cultural_site": [
        ("indigenous_community", "kampung-adat"),
        ("megalithic", "situs-megalitik"),
        ("museum", "museum"),
        ("visitor_center", "museum"),
        ("fishing_port", "bahari"),
        ("religious", "religi"),
        ("craft", "kerajinan"),
        ("village", "desa-wisata"),
    ],
}
FALLBACK_CATEGORY = {"geosite": "batuan", "biosite": "kawasan-konservasi", "cultural_site": "religi"}
LAYER_BY_TYPE = {"geosite": "geosites", "biosite": "biosites", "cultural_site": "cultural_sites"}


def site_category(properties):
    """Return the category slug for a site from its type and tags."""
    tags = properties.get("tags") or []
    for tag, category in CATEGORY_BY_TAG[properties["type"]]:
        if tag in tags:
            return category
    return FALLBACK_CATEGORY[properties["type"]]


def collection(name, features, source):
    """Return an RFC 7946 FeatureCollection with a small provenance header."""
    return {
        "type": "FeatureCollection",
        "name": name,
        "metadata": {"source": source, "built_by": "scripts/build_seed_layers.py"},
        "features": features,
    }


def write(name, data):
    """Write one layer file with stable formatting, so diffs stay readable."""
    path = OUT / f"{name}.geojson"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)} ({len(data['features'])} features)")


# The routes seeded from routes.json: those with stated, ordered stops (issue 27). The others are left out:
# the geotrek sets whose stops are not retrievable, the planned trek, and the theme grouping that is not a
# route; the road approaches become "getting there" on the sites they lead to (ROAD_APPROACHES).
# Every text below restates a recorded fact of that route; each note keeps the fact's source and date.
ROUTE_MODE_CATEGORY = {"walking": "jalan-kaki", "boat": "perahu", "motorbike": "motor", "car": "mobil"}
SEED_ROUTES = {
    "ciletuh-river-three-waterfalls": {
        "name": "Tiga curug Sungai Ciletuh: Awang – Tengah – Puncak Manik",
        "name_en": "Three falls of the Ciletuh river: Awang – Tengah – Puncak Manik",
        "mode": "walking",
        "description_id": "Tiga air terjun berurutan di satu sungai, Sungai Ciletuh, yang terpotong sesar-sesar "
        "amfiteater di batupasir Formasi Jampang. Pengelola geopark menawarkannya sebagai satu paket: "
        "ketiganya bisa dikunjungi dalam setengah hari karena letaknya berdekatan.",
        "description_en": "Three falls in a row on one river, the Ciletuh, cut by the amphitheatre's faults in "
        "Jampang Formation sandstone. The geopark's management offers them as one package: the three can be "
        "visited in half a day because they are close together.",
        "difficulty": "hard",
        "difficulty_basis": {
            "id": "Turunan curam dan licin dengan tali pegangan ke Curug Tengah; jalan ke Curug Puncak Manik "
            "disebut sekitar tiga kali lebih berat.",
            "en": "A steep, slippery descent with rope handrails to Curug Tengah; the path to Curug Puncak "
            "Manik is described as about three times harder.",
        },
        "duration_min": None,
        "duration_stated": {"id": "Setengah hari untuk ketiganya", "en": "Half a day for all three"},
        "stops": [("curug-awang", None), ("curug-tengah", None), ("curug-puncak-manik", None)],
        "notes": [
            (
                "start",
                4,
                "Belokan bertanda sebelum Panenjoan, lalu ±1 km jalan kebun berbatu ke parkir Curug "
                "Awang dan jalan setapak beton yang pendek. Ke titik awal dengan mobil atau motor.",
                "A signed turn before Panenjoan, then about 1 km of rocky plantation road to the Curug Awang car "
                "park and a short concrete footpath. Reach the start by car or motorbike.",
            ),
            (
                "path",
                3,
                "Ke Curug Tengah: ±15 menit di pematang sawah, lalu turunan curam dan licin dengan tali "
                "pegangan.",
                "To Curug Tengah: about 15 minutes on rice-field dikes, then a steep, slippery descent with rope "
                "handrails.",
            ),
            (
                "path",
                1,
                "Curug Puncak Manik berjarak 600 m dari Curug Tengah.",
                "Curug Puncak Manik is 600 m from Curug Tengah.",
            ),
            (
                "path",
                2,
                "Curug Puncak Manik adalah air terjun terakhir Sungai Ciletuh; jalannya sekitar tiga kali "
                "lebih berat daripada ke Curug Tengah.",
                "Curug Puncak Manik is the last fall of the Ciletuh river; its path is about three times harder "
                "than the one to Curug Tengah.",
            ),
        ],
    },
    "curug-sodong-cikanteh-walk": {
        "name": "Curug Sodong – Curug Cikanteh",
        "name_en": "Curug Sodong – Curug Cikanteh walk",
        "mode": "walking",
        "description_id": "Jalan kaki pendek dari air terjun kembar Curug Sodong ke Curug Cikanteh, yang tepat "
        "berada di atasnya, di dinding amfiteater Ciletuh.",
        "description_en": "A short walk from the twin fall of Curug Sodong to Curug Cikanteh, directly above "
        "it, on the wall of the Ciletuh amphitheatre.",
        "difficulty": "moderate",
        "difficulty_basis": {
            "id": "Tangga beton, jembatan bambu dan bebatuan, ±15 menit.",
            "en": "Concrete steps, a bamboo bridge and rocks, about 15 minutes.",
        },
        "duration_min": 20,
        "duration_stated": {
            "id": "±5 menit dari parkir ke Curug Sodong, ±15 menit dari Curug Sodong ke Curug Cikanteh",
            "en": "About 5 minutes from the car park to Curug Sodong, about 15 from Curug Sodong to Curug "
            "Cikanteh",
        },
        "stops": [
            ("curug-sodong", None),
            (None, "Curug Ngelay"),
            ("curug-cikanteh", None),
        ],
        "notes": [
            (
                "start",
                0,
                "Mobil parkir menghadap Curug Sodong, ±5 menit jalan kaki ke air terjun; ±20 menit "
                "berkendara dari Palangpang.",
                "Cars park facing Curug Sodong, about 5 minutes' walk from the fall; about 20 minutes' drive from "
                "Palangpang.",
            ),
            (
                "path",
                1,
                "Dari Curug Sodong jalan setapak (tangga beton, jembatan bambu, bebatuan) menuju Curug "
                "Cikanteh dalam ±15 menit.",
                "From Curug Sodong a path (concrete steps, a bamboo bridge, rocks) leads to Curug Cikanteh in "
                "about 15 minutes.",
            ),
        ],
    },
    "boat-tpi-palabuhanratu-pulau-kunti": {
        "name": "Perahu dari dermaga TPI Palabuhanratu ke Pulau Kunti",
        "name_en": "Boat from the Palabuhanratu fish-market dock to Pulau Kunti",
        "mode": "boat",
        "description_id": "Perjalanan laut ke Pulau Kunti, yang disebut jantung geopark: breksi polimik di "
        "sana adalah bukti zona subduksi, dan dari laut tampak dataran tinggi Jampang. Rute ini dipakai tim "
        "asesor UNESCO pada Agustus 2017.",
        "description_en": "A sea trip to Pulau Kunti, called the heart of the geopark: its polymict breccia is "
        "evidence of the subduction zone, and the Jampang plateau shows from the sea. The UNESCO assessors "
        "took this route in August 2017.",
        "difficulty": None,
        "difficulty_basis": None,
        "duration_min": 60,
        "duration_stated": {"id": "Sekitar 1 jam sekali jalan", "en": "About 1 hour each way"},
        "stops": [("tpi-palabuhanratu", None), ("pulau-kunti", None)],
        "notes": [
            (
                "permit",
                0,
                "Pulau Kunti berada di Cagar Alam Cibanteng: kunjungan sangat terbatas dan perlu izin "
                "khusus.",
                "Pulau Kunti lies in the Cibanteng Nature Reserve: visits are very limited and need special "
                "permission.",
            ),
        ],
    },
    "boat-ciletuh-batu-batik-pulau-kunti": {
        "name": "Perahu di Teluk Ciletuh: Batu Batik – Pantai Pasir Putih – Goa Pulau Kunti",
        "name_en": "Ciletuh Bay boat trip: Batu Batik – Pasir Putih beach – Pulau Kunti cave",
        "mode": "boat",
        "description_id": "Perahu dari muara dekat TPI menyusuri pantai Gunung Badak, tempat batuan tertua "
        "tersingkap: Batu Batik dan batu badak dilihat dari perahu, lalu mendarat di Pantai Pasir Putih dan "
        "berjalan menyusuri pantai ke Goa Pulau Kunti.",
        "description_en": "A boat from the river mouth near the fish auction along the Gunung Badak coast, "
        "where the oldest rocks crop out: Batu Batik and the rhino rock seen from the boat, then a landing at "
        "Pasir Putih beach and a walk along the shore to the Pulau Kunti cave.",
        "difficulty": None,
        "difficulty_basis": None,
        "duration_min": None,
        "duration_stated": {
            "id": "45 menit dengan perahu ke Batu Batik; ±1 jam berjalan menyusuri pantai bila mendarat",
            "en": "45 minutes by boat to Batu Batik; about 1 hour's walk along the shore when landing",
        },
        "stops": [
            (None, "Dermaga muara dekat TPI"),
            ("batu-naga", None),
            ("gunung-badak", None),
            (None, "Pantai Pasir Putih"),
            ("pulau-kunti", None),
        ],
        "notes": [
            (
                "boat",
                0,
                "Sewa perahu Rp 900.000 untuk ±20 orang. Perahu tidak bisa merapat di batuan karena karang.",
                "Boat hire Rp 900,000 for about 20 people. Boats cannot land at the rocks because of the reef.",
            ),
            (
                "tide",
                1,
                "Pulau Kunti di ujung barat Gunung Badak bisa dicapai jalan kaki saat air surut.",
                "Pulau Kunti, at the west tip of Gunung Badak, can be reached on foot at low tide.",
            ),
            (
                "permit",
                1,
                "Kawasan ini dikelola BBKSDA; perlu izin.",
                "The area is managed by BBKSDA; a permit is needed.",
            ),
        ],
    },
}
# Road approaches: shown as "getting there" on the pages of the sites they lead to. (fact index, id, en)
ROAD_APPROACHES = {
    "jalur-sabuk-loji-puncak-darma-palangpang": {
        "name": "Jalur Sabuk Geopark: Simpang Loji – Puncak Darma – Palangpang",
        "name_en": "Geopark belt road: Simpang Loji – Puncak Darma – Palangpang",
        "lines": [
            (
                1,
                "Jalur baru Sukabumi – Bagbagan – Simpang Loji – Muara Cisaar – Puncak Darma – Palangpang, 33 km.",
                "The new road Sukabumi – Bagbagan – Simpang Loji – Muara Cisaar – Puncak Darma – Palangpang, 33 km.",
            ),
            (
                2,
                "Bus disarankan lewat Kiara Dua – Waluran, karena jalan Loji/Ciemas punya tanjakan dan turunan "
                "tajam.",
                "Buses should take the Kiara Dua – Waluran road, because the Loji/Ciemas roads have sharp climbs "
                "and descents.",
            ),
            (
                3,
                "Titik rawan kecelakaan: Tanjakan Dini (Desa Girimukti; 800 m, sangat curam, motor matic sering "
                "tidak kuat), Puncak Darma, Tanjakan Cimarinjung; Tanjakan Cibeas (Desa Sangrawayang) rawan longsor.",
                "Accident-prone: Tanjakan Dini (Desa Girimukti; 800 m, very steep, automatic motorbikes often fail), "
                "Puncak Darma, Tanjakan Cimarinjung; Tanjakan Cibeas (Desa Sangrawayang) is prone to landslides.",
            ),
        ],
    },
    "old-road-kiaradua-waluran-panenjoan": {
        "name": "Jalan lama: Simpang Loji – Kiara Dua – Waluran – Tamanjaya (Panenjoan) – Palangpang",
        "name_en": "Old road: Simpang Loji – Kiara Dua – Waluran – Tamanjaya (Panenjoan) – Palangpang",
        "lines": [
            (
                0,
                "Jalan lama 71 km: Simpang Loji, Kiara Dua, Simpang Waluran, Malereng, Taman Jaya, Palangpang.",
                "The old road, 71 km: Simpang Loji, Kiara Dua, Simpang Waluran, Malereng, Taman Jaya, Palangpang.",
            ),
            (
                1,
                "Jalan memutar saat jalan Puncak Darma tertutup longsor; sekitar dua kali lebih jauh.",
                "The detour when the Puncak Darma road is blocked by a landslide; about twice as long.",
            ),
            (
                2,
                "Waluran – Mareleng – Palangpang 34,85 km; gerakan tanah di hutan Tanjakan Cipeucang dan jalan "
                "amblas di Kp Nyomplong, Desa Mekarsakti.",
                "Waluran – Mareleng – Palangpang 34.85 km; ground movement in the Tanjakan Cipeucang forest and "
                "road subsidence at Kp Nyomplong, Desa Mekarsakti.",
            ),
        ],
    },
    "road-bagbagan-cigaru-paltiga-ciemas": {
        "name": "Jalan hutan: Jembatan Bagbagan – Cigaru – Pal Tiga – Ciemas – Puncak Darma",
        "name_en": "Forest road: Jembatan Bagbagan – Cigaru – Pal Tiga – Ciemas – Puncak Darma",
        "lines": [
            (
                0,
                "Jalur akses kedua dari tiga yang diberikan Dinas Pariwisata Kab. Sukabumi, 43 km dari "
                "Palabuhanratu.",
                "The second of three access routes given by the Sukabumi regency's tourism office, 43 km from "
                "Palabuhanratu.",
            ),
        ],
    },
}


def _source_url(text):
    """Return the http(s) address a recorded source starts with (the rest is a note), or the text as it is."""
    first = (text or "").split(" ", 1)[0]
    return first if first.startswith(("http://", "https://")) else text


def _sourced(record, index):
    fact = record["facts"][index]
    return {"source": _source_url(fact["source"]), "date": fact["date"], "fact": fact["fact"]}


def build_routes(source, sites):
    """Return the routes layer (stops joined by straight lines) and the road approaches by site id."""
    records = {r["id"]: r for r in json.loads((source / "routes.json").read_text(encoding="utf-8"))}
    points = {f["properties"]["id"]: f["geometry"]["coordinates"] for f in sites["features"]}
    features = []
    for route_id, text in SEED_ROUTES.items():
        record = records[route_id]
        mapped = [site for site, _name in text["stops"] if site]
        written = {s["site_id"]: s["name_as_written"] for s in record["stops"] if s["site_id"]}
        assert all(site in written and site in points for site in mapped), route_id
        notes = [
            {"about": about, "id": id_text, "en": en_text, **_sourced(record, index)}
            for about, index, id_text, en_text in text["notes"]
        ]
        props = {
            "id": route_id,
            "name": text["name"],
            "name_en": text["name_en"],
            "name_alt": [record["name"]],
            "category": ROUTE_MODE_CATEGORY[text["mode"]],
            "mode": text["mode"],
            "track": "stops_only",
            "description_id": text["description_id"],
            "description_en": text["description_en"],
            "difficulty": text["difficulty"],
            "difficulty_basis": text["difficulty_basis"],
            "duration_min": text["duration_min"],
            "duration_stated": text["duration_stated"],
            "stops": [
                {"site_id": site, "name": written[site] if site else name} for site, name in text["stops"]
            ],
            "notes": notes,
            "status": record["status"],
            "facts": record["facts"],
            "confidence": record["confidence"],
            "source_dataset": "shared/data/cpugg/routes.json",
        }
        features.append(
            {
                "type": "Feature",
                "id": route_id,
                "geometry": {"type": "LineString", "coordinates": [points[site] for site in mapped]},
                "properties": props,
            }
        )
    approaches = []
    for route_id, text in ROAD_APPROACHES.items():
        record = records[route_id]
        approaches.append(
            {
                "id": route_id,
                "name": text["name"],
                "name_en": text["name_en"],
                "leads_to": [s["site_id"] for s in record["stops"] if s["site_id"]],
                "lines": [{"id": i, "en": e, **_sourced(record, index)} for index, i, e in text["lines"]],
                "confidence": record["confidence"],
            }
        )
    return features, approaches


def main():
    """Split the shared CPUGG files into one seed file per layer."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    args = parser.parse_args()
    sites = json.loads((args.source / "sites.geojson").read_text(encoding="utf-8"))
    by_layer = {layer: [] for layer in LAYER_BY_TYPE.values()}
    for feature in sites["features"]:
        props = feature["properties"]
        props["category"] = site_category(props)
        props["source_dataset"] = "shared/data/cpugg/sites.geojson"
        by_layer[LAYER_BY_TYPE[props["type"]]].append(feature)
    for layer, features in by_layer.items():
        write(layer, collection(layer, features, "shared/data/cpugg/sites.geojson (see SOURCES.md)"))
    for name in ("boundary", "villages"):
        data = json.loads((args.source / f"{name}.geojson").read_text(encoding="utf-8"))
        for feature in data["features"]:
            feature["properties"].setdefault("name", "Ciletuh-Palabuhanratu UNESCO Global Geopark")
            feature["properties"]["source_dataset"] = f"shared/data/cpugg/{name}.geojson"
            if name == "villages":
                feature["properties"]["category"] = feature["properties"]["status"]
        write(name, collection(name, data["features"], f"shared/data/cpugg/{name}.geojson (see SOURCES.md)"))
    routes, approaches = build_routes(args.source, sites)
    write("routes", collection("routes", routes, "shared/data/cpugg/routes.json (see SOURCES.md)"))
    path = OUT / "approaches.json"
    header = {"source": "shared/data/cpugg/routes.json", "built_by": "scripts/build_seed_layers.py"}
    text = json.dumps({"metadata": header, "approaches": approaches}, ensure_ascii=False, indent=1)
    path.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)} ({len(approaches)} road approaches)")


if __name__ == "__main__":
    main()
