#!/usr/bin/env python3
"""CAMeL Tools normalization peer for `cargo bench -p rasd-clean --bench clean`.

Times the normalization chain that CAMeL Tools offers for Arabic cleanup
(normalize_unicode, dediac_ar, normalize_alef_ar, normalize_alef_maksura_ar,
normalize_teh_marbuta_ar) over the same text the Rust benchmark uses, on one
core, and prints one JSON line: {"mb_per_s": ..., "bytes": ..., "seconds": ...}.

Install (no torch needed):
    python3 -m venv .tools && .tools/bin/pip install --no-deps camel-tools emoji regex six future

Usage: camel_peer.py FILE [--repeat N] [--out OUT]

With --out, the normalized articles are written to OUT (joined as in FILE)
so that the benchmark can compare them word by word with rasd-text.
"""
import json
import sys
import time

from camel_tools.utils.dediac import dediac_ar
from camel_tools.utils.normalize import (
    normalize_alef_ar,
    normalize_alef_maksura_ar,
    normalize_teh_marbuta_ar,
    normalize_unicode,
)


def chain(text):
    text = normalize_unicode(text)
    text = dediac_ar(text)
    text = normalize_alef_ar(text)
    text = normalize_alef_maksura_ar(text)
    return normalize_teh_marbuta_ar(text)


def main():
    path = sys.argv[1]
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 1
    with open(path, encoding="utf-8") as f:
        text = f.read()
    # Articles one by one, as a stage would see them.
    articles = text.split("\n\n\n")
    nbytes = len(text.encode("utf-8"))
    best = None
    out_len = 0
    outputs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        outputs = [chain(a) for a in articles]
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    out_len = sum(len(o) for o in outputs)
    if "--out" in sys.argv:
        with open(sys.argv[sys.argv.index("--out") + 1], "w", encoding="utf-8") as f:
            f.write("\n\n\n".join(outputs))
    print(json.dumps({"mb_per_s": nbytes / best / 1e6, "bytes": nbytes, "seconds": best, "out_chars": out_len}))


if __name__ == "__main__":
    main()
