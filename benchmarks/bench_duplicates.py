"""Benchmark: likely duplicates of N names checked against a block of K known names (one first-two-
character block, as a street's many 华强… firms make), scored by the NameIndex (one rapidfuzz
``process.cdist`` call per check, vectorised over the block) against a floor measured in the same
run: the earlier per-name Python loop (one ``fuzz.ratio`` call per known name). Prints both times and
the ratio, and checks that both find the same candidates; no assertion on time.

    .venv/bin/python benchmarks/bench_duplicates.py [--known 5000] [--checks 500] [--runs 5]
"""
from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rapidfuzz import fuzz  # noqa: E402

from orgbuild.domain.rules import name_key  # noqa: E402
from orgbuild.duplicates.matching import PER_NAME, SIMILAR, Candidate, NameIndex  # noqa: E402

_DIGITS = re.compile(r"[0-9一二三四五六七八九十]+")  # data: numerals


def loop_candidates(blocks: dict, credit_code: str, name: str) -> list[Candidate]:
    """The per-name loop the index replaced (the floor)."""
    key = name_key(name)
    digits = _DIGITS.findall(key)
    found = []
    for other_key, entries in blocks.get(key[:2], {}).items():
        if other_key == key:
            score = 100.0
        elif _DIGITS.findall(other_key) != digits:
            continue
        else:
            score = fuzz.ratio(key, other_key, score_cutoff=SIMILAR)
        if score:
            found.extend(Candidate(c, n, round(score, 1), i) for c, n, i in entries if c != credit_code)
    return sorted(found, key=lambda c: (-c.score, c.credit_code))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--known", type=int, default=5000)
    parser.add_argument("--checks", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(2026)
    syllables = "电子科技贸易物流餐饮咨询服务信息网络文化传媒建筑装饰医药实业发展投资管理"
    names = [f"华强{''.join(rng.choice(syllables) for _ in range(rng.randint(3, 7)))}有限公司" for _ in range(args.known)]
    checks = [rng.choice(names).replace("有限公司", rng.choice(["有限责任公司", "有限公司", "公司"])) for _ in range(args.checks)]
    index = NameIndex()
    blocks: dict = {}
    for number, name in enumerate(names):
        index.add(f"C{number}", name, number)
        entries = blocks.setdefault(name_key(name)[:2], {}).setdefault(name_key(name), [])
        if len(entries) < PER_NAME:
            entries.append((f"C{number}", name, number))
    assert all(index.candidates("NEW", n) == loop_candidates(blocks, "NEW", n) for n in checks), "results differ"

    def timed(check) -> float:
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            for name in checks:
                check(name)
            times.append(time.perf_counter() - started)
        return statistics.median(times) * 1000

    floor = timed(lambda n: loop_candidates(blocks, "NEW", n))
    vectorised = timed(lambda n: index.candidates("NEW", n))
    print(f"{args.checks} checks against a block of {len(blocks['华强'])} distinct names "
          f"(median of {args.runs} runs): per-name loop (floor) {floor:.1f} ms, cdist {vectorised:.1f} ms, "
          f"ratio {vectorised / floor:.2f} (speed-up {floor / vectorised:.1f}x); same candidates: yes")


if __name__ == "__main__":
    main()
