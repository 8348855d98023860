"""BENCHMARKS.md's words around the figures: a figure left as its template ("{on['p50_ms']:.2f}") reads as
if it had been measured."""

from bench.report import _counting_lines


def test_the_counting_section_says_every_figure_it_names():
    page = {"p50_ms": 25.64, "p90_ms": 27.91}
    counting = {
        "endpoint": {"rps": 1211.4, "p99": "33.90ms", "non_2xx": 0, "requests": 12128},
        "kept": 12132,
        "page_on": page,
        "page_off": {"p50_ms": 25.16, "p90_ms": 27.04},
        "tally_add_us": 1.9,
    }
    text = "\n".join(_counting_lines(counting))
    assert "{" not in text and "}" not in text
    assert "median 25.64 ms with counting on against 25.16 ms off" in text and "**+0.48 ms**" in text
