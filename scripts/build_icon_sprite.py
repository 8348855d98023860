"""Build static/vendor/icons/geotour-icons.svg: one <symbol> per icon that layers.json names.

The icons come from the npm package @tabler/icons (MIT, in package-lock.json); `make assets` runs this
after `npm ci`. Usage: python3 scripts/build_icon_sprite.py LAYERS_JSON ICON_DIR OUT_SVG
"""

import json
import re
import sys
from pathlib import Path

_INNER = re.compile(r"<svg[^>]*>(.*)</svg>", re.S)
_BLANK = re.compile(r'\s*<path stroke="none" d="M0 0h24v24H0z" fill="none"\s*/>')


def icon_names(catalogue):
    """Return every icon name the catalogue's types and categories use, sorted."""
    styles = [t["style"] for t in catalogue.get("attraction_types", [])]
    styles += [c.get("style") or {} for layer in catalogue["layers"] for c in layer.get("categories", [])]
    return sorted({s["icon"] for s in styles if s.get("icon")})


def build(layers_json, icon_dir, out):
    """Write the sprite; raise SystemExit naming an icon that the package does not have."""
    symbols = []
    for name in icon_names(json.loads(Path(layers_json).read_text(encoding="utf-8"))):
        source = Path(icon_dir) / f"{name}.svg"
        if not source.exists():
            raise SystemExit(f"layers.json names icon {name!r}, but {source} does not exist")
        inner = _BLANK.sub("", _INNER.search(source.read_text(encoding="utf-8")).group(1)).strip()
        symbols.append(
            f'<symbol id="icon-{name}" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" '
            f'stroke-linecap="round" stroke-linejoin="round">{inner}</symbol>'
        )
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(
        '<svg xmlns="http://www.w3.org/2000/svg">\n<!-- Tabler Icons, MIT licence: '
        "https://tabler.io/icons -->\n" + "\n".join(symbols) + "\n</svg>\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    build(*sys.argv[1:4])
