"""Generate the SAMPLE MSME layer (data/geojson/msmes.geojson) with a fixed seed.

No real list of the geopark's small businesses exists yet. These ~300 businesses are invented, placed
around the real villages and attractions so that "what is near this site" can be tried. Every feature
carries `sample: true`, and every phone number is an obviously fake +62 000 ... number.
Run again with the same seed and you get the same file, byte for byte.
"""

import argparse
import json
from pathlib import Path

import numpy as np
from pyproj import Geod
from shapely.geometry import Point, shape

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "geojson"
GEOD = Geod(ellps="WGS84")
SEED = 20181704  # the day CPUGG became a UNESCO Global Geopark, 17 April 2018

CATEGORIES = {
    # category: (share, name prefixes, description id, description en, price range)
    "kuliner": (
        0.34,
        ["Warung", "Warung Nasi", "Rumah Makan", "Saung Liwet", "Kedai Kopi", "Seafood"],
        "Makanan dan minuman khas Sunda dan hasil laut.",
        "Sundanese food and seafood.",
        "Rp 10.000–50.000",
    ),
    "penginapan": (
        0.18,
        ["Homestay", "Pondok", "Villa", "Penginapan"],
        "Kamar sederhana untuk wisatawan, dekat objek wisata.",
        "Simple rooms for visitors, near the sights.",
        "Rp 150.000–450.000 / malam",
    ),
    "oleh-oleh": (
        0.14,
        ["Toko Oleh-oleh", "Kios", "Gerai"],
        "Oleh-oleh khas Sukabumi: ikan asin, gula aren, keripik.",
        "Local souvenirs: salted fish, palm sugar, chips.",
        "Rp 5.000–100.000",
    ),
    "kerajinan": (
        0.10,
        ["Kerajinan", "Sanggar", "Batik"],
        "Kerajinan tangan buatan warga setempat.",
        "Handicrafts made by local people.",
        "Rp 20.000–300.000",
    ),
    "jasa-wisata": (
        0.14,
        ["Pemandu", "Trip", "Ojek Wisata", "Surf Camp"],
        "Pemandu lokal dan paket wisata geopark.",
        "Local guides and geopark tours.",
        "Rp 100.000–500.000",
    ),
    "transportasi": (
        0.10,
        ["Ojek", "Sewa Motor", "Sewa Perahu", "Travel"],
        "Antar-jemput, sewa kendaraan dan perahu.",
        "Rides, vehicle and boat hire.",
        "Rp 20.000–250.000",
    ),
}
OWNERS = [
    "Bu Eti",
    "Pak Ujang",
    "Teh Neng",
    "Kang Asep",
    "Bu Imas",
    "Pak Dadang",
    "Mang Oman",
    "Ceu Lilis",
    "Pak Encep",
    "Bu Yayah",
    "Kang Dede",
    "Teh Rina",
    "Pak Acep",
    "Bu Nining",
    "Abah Odin",
    "Mang Udin",
    "Teh Euis",
    "Kang Yana",
    "Bu Cucu",
    "Pak Jajang",
]
HOURS = ["07.00–17.00", "08.00–21.00", "06.00–22.00", "24 jam", "09.00–18.00", "07.00–20.00"]


def random_point_near(rng, lon, lat, max_m, boundary):
    """Return a point at most max_m metres from (lon, lat) that lies inside the boundary."""
    for _ in range(100):
        azimuth = rng.uniform(0, 360)
        distance = max_m * np.sqrt(rng.uniform(0.01, 1))
        new_lon, new_lat, _ = GEOD.fwd(lon, lat, azimuth, distance)
        if boundary.contains(Point(new_lon, new_lat)):
            return round(new_lon, 5), round(new_lat, 5)
    return round(lon, 5), round(lat, 5)


def load(name):
    """Return the features of one seed layer."""
    return json.loads((DATA / f"{name}.geojson").read_text(encoding="utf-8"))["features"]


def generate(count, seed):
    """Return `count` sample MSME features, deterministic for a given seed."""
    rng = np.random.default_rng(seed)
    boundary = shape(load("boundary")[0]["geometry"])
    villages = load("villages")
    sites = [f for layer in ("geosites", "biosites", "cultural_sites") for f in load(layer)]
    names = list(CATEGORIES)
    shares = np.array([CATEGORIES[c][0] for c in names])
    features = []
    for number in range(1, count + 1):
        category = names[rng.choice(len(names), p=shares / shares.sum())]
        _, prefixes, desc_id, desc_en, price = CATEGORIES[category]
        # Two in five businesses sit near an attraction, the rest around a village centre.
        if rng.uniform() < 0.4:
            anchor = sites[rng.integers(len(sites))]
            radius = 1200
        else:
            anchor = villages[rng.integers(len(villages))]
            radius = 1800
        lon, lat = random_point_near(rng, *anchor["geometry"]["coordinates"], radius, boundary)
        near_village = min(villages, key=lambda v: GEOD.inv(lon, lat, *v["geometry"]["coordinates"])[2])
        phone = f"+6200000{number:06d}"
        fid = f"msme-{number:04d}"
        features.append(
            {
                "type": "Feature",
                "id": fid,
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "id": fid,
                    "name": f"{prefixes[rng.integers(len(prefixes))]} {OWNERS[rng.integers(len(OWNERS))]}",
                    "category": category,
                    "description_id": desc_id,
                    "description_en": desc_en,
                    "opening_hours": HOURS[rng.integers(len(HOURS))],
                    "price_range": price,
                    "phone": phone,
                    "whatsapp": phone,
                    "desa": near_village["properties"]["name"],
                    "kecamatan": near_village["properties"]["kecamatan"],
                    "sample": True,
                    "sample_note": "Contoh fiktif, bukan usaha nyata / Invented sample, not a real business",
                    "owner_consent": False,
                    "coord_confidence": "sample",
                    "coord_source": f"generated by scripts/generate_sample_msmes.py (seed {seed})",
                },
            }
        )
    return features


def main():
    """Write data/geojson/msmes.geojson."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=DATA / "msmes.geojson")
    args = parser.parse_args()
    data = {
        "type": "FeatureCollection",
        "name": "msmes",
        "metadata": {
            "sample": True,
            "note": "SAMPLE DATA: invented businesses with fake phone numbers (+62 000...). Not real.",
            "built_by": f"scripts/generate_sample_msmes.py --count {args.count} --seed {args.seed}",
        },
        "features": generate(args.count, args.seed),
    }
    args.out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(data['features'])} features)")


if __name__ == "__main__":
    main()
