"""Normalising the names an intake desk types for 申报事项 and places."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_QUOTES_AND_SPACE = re.compile(r"[\s\"'“”‘’「」『』《》〈〉·•]")


@lru_cache(maxsize=8192)
def normalise_name(text: str) -> str:
    """Fold full/half-width forms, drop quotes and spaces, unify brackets.

    ``国家级“专精特新”企业`` and ``国家级 专精特新企业`` both become
    ``国家级专精特新企业``; ``示范区（基地）`` becomes ``示范区(基地)``.
    """
    folded = unicodedata.normalize("NFKC", text)
    folded = folded.replace("〔", "(").replace("〕", ")").replace("【", "(").replace("】", ")")
    return _QUOTES_AND_SPACE.sub("", folded).casefold()
