"""The measures as data: clauses, award items and their numbers, strictly loaded.

Data lives in ``resources/policy/<version>/``: ``policy.toml`` (identity),
``clauses.toml``, ``items.toml``, ``regions.toml`` and ``source.txt`` (the
document itself). Every problem found while loading is gathered and raised at
once as :class:`PolicyDataError`, each line starting with the file it is in.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from typing import Any

from policy.failures import ReviewDeskError
from policy.kinds import KindLabels, NumbersByKind, rule_kinds
from policy.divisions import CITY, LEVEL_WORDS, PROVINCE, load_divisions
from policy.names import normalise_name
from policy.versions import policy_version

DEFAULT_VERSION = "liaocheng-2023-10"


def _default_measures() -> tuple[str, ...]:
    identity = resources.files("resources").joinpath("policy", DEFAULT_VERSION, "policy.toml").read_text("utf-8")
    return tuple(tomllib.loads(identity)["measures"])


MEASURES = _default_measures()
"""The default version's measures (its policy.toml), for readers that check 产业 before a version is chosen."""
KINDS = KindLabels()
"""The registered kinds of rule (:mod:`policy.kinds`), by name."""
TIMINGS = ("newly", "first_time", "application_year", "dated", "none")
TIMING_WORDS = {"newly": ("新创建", "新评选认定", "新认定"), "first_time": ("首次",), "application_year": ("当年度",)}
"""The words of a sentence that make its timing: one of its own, and none of another's."""
ALIAS_SCOPES = ("same", "broader")
NUMBERS_BY_KIND = NumbersByKind()
_CLAUSE_KEYS = {"id", "measure", "path", "heading", "text", "units"}
_ITEM_KEYS = {
    "id", "name", "aliases", "measure", "clause", "sentence", "level", "kind", "timing",
    "honour", "conditions", "evidence", "numbers", "referral_policy", "proof",
}
_ITEM_REQUIRED = _ITEM_KEYS - {"honour", "numbers", "referral_policy", "proof"}
_ALIAS_KEYS = {"name", "scope"}
_NUMBER_KEYS = {"value", "unit", "clause", "quote", "position", "of", "grade"}
_LIST_JOINS = ("、", "和", "")
_POLICY_KEYS = {
    "document_number", "title", "issued_on", "issued_on_quote", "source", "measures", "measure_titles",
    "home_city", "development_zones",
}
_REGION_FILE_KEYS = {"clause", "quote", "region", "partial_provinces"}
_REGION_KEYS = {"name", "aliases", "provinces", "cities"}


class PolicyDataError(ReviewDeskError):
    """The policy data cannot be loaded; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("政策数据有误：\n" + "\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True, eq=False)
class Clause:
    id: str
    measure: str
    path: str
    heading: str
    text: str
    units: tuple[str, ...]

    ref: str = ""
    """``生物医药 二（三）1``: how the trace and the sheet cite it."""


@dataclass(frozen=True, slots=True)
class Number:
    """One number of a rule, with the clause and the words it comes from."""

    name: str
    value: Decimal
    unit: str
    clause: Clause
    quote: str
    position: int = 0
    """Its place in a list of amounts (``分别…50万元、30万元``), 1 for the first; 0 when alone."""
    grade: str = ""
    """The 亩产效益 grade a rate applies to ("" for the general rate)."""


@dataclass(frozen=True, slots=True, eq=False)
class AwardItem:
    """One 申报事项. Compared and hashed by identity: one object per item."""

    id: str
    name: str
    aliases: tuple[str, ...]
    measure: str
    clause: Clause
    sentence: str
    level: str
    kind: str
    timing: str
    honour: str
    conditions: tuple[str, ...]
    evidence: tuple[str, ...]
    numbers: dict[str, Number]
    referral_policy: str = ""
    counterparts: tuple[str, ...] = ()
    """Items of the same honour at the other level (国家级 ↔ 省级)."""
    broader_aliases: tuple[str, ...] = ()
    """Aliases that could name more than the item: the reviewer is asked."""
    proof: str = ""
    """Words an attachment's name must contain to prove the item's condition."""
    ref: str = ""
    """The clause as cited: ``生物医药 二（三）1``."""

    def number(self, name: str) -> Number:
        return self.numbers[name]

    @property
    def once(self) -> bool:
        """一次性奖励 / 一次性资助: a second claim by the same enterprise needs a look."""
        return "一次性" in self.sentence


@dataclass(frozen=True, slots=True)
class Region:
    name: str
    aliases: tuple[str, ...]
    provinces: tuple[str, ...]
    cities: tuple[str, ...]


@dataclass(frozen=True, slots=True, eq=False)
class RegionData:
    clause: Clause
    quote: str
    regions: tuple[Region, ...]
    partial_provinces: tuple[str, ...]


@dataclass(frozen=True)
class Policy:
    version: str
    document_number: str
    title: str
    issued_on: date
    content_hash: str
    source_text: str
    measure_titles: dict[str, str]
    clauses: dict[str, Clause]
    items: dict[str, AwardItem]
    regions: RegionData
    home_city: str = ""
    development_zones: tuple[str, ...] = ()
    measures: tuple[str, ...] = MEASURES
    in_force: str = ""
    """The registered in-force period, in words: ``2023-08-27 起，截止日期未规定``."""
    rules_revision: int = 0
    _by_name: dict[str, AwardItem] = field(repr=False, default_factory=dict)

    def is_broader_alias(self, text: str) -> bool:
        """Whether ``text`` is an alias that could name more than its item."""
        item = self.resolve_item(text)
        key = normalise_name(text)
        return item is not None and any(normalise_name(a) == key for a in item.broader_aliases)

    def resolve_item(self, text: str) -> AwardItem | None:
        """The item a canonical name or alias stands for, punctuation folded."""
        return self._by_name.get(normalise_name(text))

    def suggest_items(self, text: str, n: int = 3) -> list[str]:
        """Canonical names closest to an unknown 申报事项."""
        wanted = normalise_name(text)
        close = difflib.get_close_matches(wanted, self._by_name, n=n * 3, cutoff=0.4)
        names: list[str] = []
        for key in close:
            name = self._by_name[key].name
            if name not in names:
                names.append(name)
        return names[:n]

    def clauses_of(self, measure: str) -> list[Clause]:
        return [c for c in self.clauses.values() if c.measure == measure]


def load_policy(version: str = DEFAULT_VERSION) -> Policy:
    """The measures of one registered version (:mod:`policy.versions`), cached.

    Raises :class:`PolicyDataError` when its data does not load or is not the
    data the registry's hash names, ``NoPolicyVersion`` for an unknown version.
    """
    return _load_cached(version)


@cache
def _load_cached(version: str) -> Policy:
    registered = policy_version(version)
    folder = registered.folder
    texts = {name: folder.joinpath(name).read_bytes() for name in _FILES}
    loaded = parse_policy(version, texts)
    if loaded.content_hash != registered.data_hash:
        raise PolicyDataError([f"versions.toml: 版本 {version}: 数据文件的哈希 {loaded.content_hash} "
                               f"与登记的 {registered.data_hash} 不符；修改政策数据须登记新的版本"])
    return replace(loaded, in_force=registered.period, rules_revision=registered.rules_revision)


_FILES = ("policy.toml", "clauses.toml", "items.toml", "regions.toml", "source.txt")


def parse_policy(version: str, files: dict[str, bytes]) -> Policy:
    """Build a :class:`Policy` from the bytes of its files (tests feed broken ones)."""
    problems: list[str] = []
    source = _verbatim_form(files["source.txt"].decode("utf-8"))
    docs: dict[str, dict[str, Any]] = {}
    for name in ("policy.toml", "clauses.toml", "items.toml", "regions.toml"):
        try:
            docs[name] = tomllib.loads(files[name].decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append(f"{name}: 无法解析：{exc}")
    if problems:
        raise PolicyDataError(problems)

    identity = docs["policy.toml"]
    _unknown_keys("policy.toml", "文件", identity, _POLICY_KEYS, problems)
    measures = tuple(identity.get("measures", []))
    if not measures or set(identity.get("measure_titles", {})) != set(measures):
        problems.append("policy.toml: measures 须列出各项措施，且与 measure_titles 一一对应")
    if identity.get("source") != "source.txt":
        problems.append(f"policy.toml: source 须为“source.txt”，实为“{identity.get('source')}”")
    if identity.get("issued_on_quote", "") not in source:
        problems.append(f"policy.toml: 发布日期引文“{identity.get('issued_on_quote')}”不在原文中")
    if identity.get("home_city"):
        _check_divisions("policy.toml: home_city", "home_city", [identity["home_city"]], CITY, problems)
    clauses = _load_clauses(docs["clauses.toml"], source, measures, problems)
    items = _load_items(docs["items.toml"], clauses, problems)
    regions = _load_regions(docs["regions.toml"], clauses, problems)
    by_name = _name_index(items, problems)
    if problems:
        raise PolicyDataError(problems)

    digest = hashlib.sha256()
    for name in _FILES:
        digest.update(name.encode() + b"\0" + files[name] + b"\0")
    return Policy(
        version=version,
        document_number=identity["document_number"],
        title=identity["title"],
        issued_on=identity["issued_on"],
        content_hash=digest.hexdigest(),
        source_text=files["source.txt"].decode("utf-8"),
        measure_titles=dict(identity["measure_titles"]),
        clauses=clauses,
        items=items,
        regions=regions,
        home_city=identity.get("home_city", ""),
        development_zones=tuple(identity.get("development_zones", [])),
        measures=measures,
        _by_name=by_name,
    )


def _verbatim_form(source: str) -> str:
    """The source as quotes are checked against: indentation and trailing spaces gone."""
    return "\n".join(line.lstrip("\u3000").rstrip() for line in source.splitlines())


def _unknown_keys(file: str, what: str, table: dict[str, Any], known: set[str], problems: list[str]) -> None:
    for key in sorted(set(table) - known):
        problems.append(f"{file}: {what}: 未知的键“{key}”")


def _load_clauses(doc: dict[str, Any], source: str, measures: tuple[str, ...],
                  problems: list[str]) -> dict[str, Clause]:
    clauses: dict[str, Clause] = {}
    for raw in doc.get("clause", []):
        cid = raw.get("id", "?")
        where = f"条款 {cid}"
        _unknown_keys("clauses.toml", where, raw, _CLAUSE_KEYS, problems)
        if cid in clauses:
            problems.append(f"clauses.toml: {where}: 编号重复")
            continue
        if raw.get("measure") not in measures:
            problems.append(f"clauses.toml: {where}: 未知的产业措施“{raw.get('measure')}”")
        text = raw.get("text", "")
        if not text or text not in source:
            problems.append(f"clauses.toml: {where}: 条文与原文不一致")
        else:
            _check_whole_paragraph(where, text, raw.get("units", []), source, problems)
        for unit in raw.get("units", []):
            if unit not in source:
                problems.append(f"clauses.toml: {where}: 责任单位“{unit}”不在原文中")
        clauses[cid] = Clause(
            id=cid, measure=raw.get("measure", ""), path=raw.get("path", ""),
            heading=raw.get("heading", ""), text=text, units=tuple(raw.get("units", [])),
            ref=f"{raw.get('measure', '')} {raw.get('path', '')}",
        )
    return clauses


_PARAGRAPH = re.compile(r"(?:\d+\.|（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、\s*)?(?P<text>.+?)(?:（责任单位：(?P<units>[^）]*)）)?")
_UNIT_SEPARATORS = re.compile(r"[、，]")


def _check_whole_paragraph(where: str, text: str, units: list[str], source: str, problems: list[str]) -> None:
    """A clause is a whole paragraph of the source: all the words between its number and its 责任单位.

    Quotes found in the source prove nothing of a clause that leaves out a sentence at its end;
    and the 责任单位 listed are exactly the paragraph's (separators aside).
    """
    paragraphs = [m for m in map(_PARAGRAPH.fullmatch, source.split("\n")) if m and m["text"] == text]
    if not paragraphs:
        problems.append(f"clauses.toml: {where}: 条文不是原文的整段（须为编号与责任单位之间的全部文字）")
        return
    written = paragraphs[0]["units"] or ""
    if _UNIT_SEPARATORS.sub("", written) != "".join(_UNIT_SEPARATORS.sub("", unit) for unit in units):
        problems.append(f"clauses.toml: {where}: 责任单位与原文“{written}”不一致")


def _load_items(doc: dict[str, Any], clauses: dict[str, Clause], problems: list[str]) -> dict[str, AwardItem]:
    evidence_sets: dict[str, list[str]] = doc.get("evidence_sets", {})
    items: dict[str, AwardItem] = {}
    for raw in doc.get("item", []):
        iid = raw.get("id", "?")
        where = f"条目 {iid}"
        _unknown_keys("items.toml", where, raw, _ITEM_KEYS, problems)
        for key in sorted(_ITEM_REQUIRED - set(raw)):
            problems.append(f"items.toml: {where}: 缺少“{key}”")
        if iid in items:
            problems.append(f"items.toml: {where}: 编号重复")
            continue
        clause = clauses.get(raw.get("clause", ""))
        if clause is None:
            problems.append(f"items.toml: {where}: 引用的条款“{raw.get('clause')}”不存在")
            continue
        if raw.get("measure") != clause.measure:
            problems.append(f"items.toml: {where}: 产业“{raw.get('measure')}”与条款 {clause.id} 不符")
        if raw.get("sentence", "") not in clause.text:
            problems.append(f"items.toml: {where}: 设定金额的句子不在条款 {clause.id} 原文中")
        elif not _whole_sentence(raw["sentence"], clause.text):
            problems.append(f"items.toml: {where}: 设定金额的句子不是原文的整句（须止于“。”或“；”，始于句首或“，”之后）")
        kind = raw.get("kind", "")
        if kind not in KINDS:
            problems.append(f"items.toml: {where}: 未知的规则类型“{kind}”")
        if raw.get("timing") not in TIMINGS:
            problems.append(f"items.toml: {where}: 未知的时限类型“{raw.get('timing')}”")
        else:
            _check_timing(where, raw["timing"], raw.get("sentence", ""), problems)
        if kind in KINDS and rule_kinds()[kind].compute is None and not raw.get("referral_policy"):
            problems.append(f"items.toml: {where}: 转办事项须写明适用的政策")
        if raw.get("honour") and not str(raw.get("name", "")).startswith(raw.get("level") or "?"):
            problems.append(f"items.toml: {where}: 级别“{raw.get('level')}”须是事项名称“{raw.get('name')}”开头所写的级别"
                            "（同一荣誉的国家级与省级据此互相对照）")
        evidence_name = raw.get("evidence", "")
        if evidence_name not in evidence_sets:
            problems.append(f"items.toml: {where}: 未知的材料清单“{evidence_name}”")
        aliases = _load_aliases(where, raw.get("aliases", []), problems)
        proof = raw.get("proof", "")
        if proof and proof not in raw.get("sentence", ""):
            problems.append(f"items.toml: {where}: 证明材料要求“{proof}”不在设定金额的句子中")
        numbers = _load_numbers(where, raw.get("name", ""), raw.get("numbers", {}), clauses, problems)
        if kind in KINDS:
            _check_wording(where, kind, raw.get("sentence", ""), numbers, problems)
        expected = NUMBERS_BY_KIND.get(kind, frozenset())
        if kind in NUMBERS_BY_KIND and set(numbers) != expected:
            problems.append(
                f"items.toml: {where}: 规则 {kind} 需要数值 {sorted(expected)}，实为 {sorted(numbers)}"
            )
        items[iid] = AwardItem(
            id=iid, name=raw.get("name", ""), aliases=tuple(aliases),
            broader_aliases=tuple(name for name, scope in aliases.items() if scope == "broader"), proof=proof,
            measure=raw.get("measure", ""), clause=clause, sentence=raw.get("sentence", ""),
            level=raw.get("level", ""), kind=kind, timing=raw.get("timing", ""),
            honour=raw.get("honour", ""), conditions=tuple(raw.get("conditions", [])),
            evidence=tuple(evidence_sets.get(evidence_name, [])), numbers=numbers,
            referral_policy=raw.get("referral_policy", ""), ref=clause.ref,
        )
    _check_quotes_are_the_items_own(items, problems)
    return {iid: replace(item, counterparts=_counterparts(item, items)) for iid, item in items.items()}


def _whole_sentence(sentence: str, text: str) -> bool:
    """Whether ``sentence`` stands in ``text`` from a sentence's (or clause's) start up to its 。 or ；."""
    start = text.find(sentence)
    while start >= 0:
        end = start + len(sentence)
        if (start == 0 or text[start - 1] in "。；，") and (end == len(text) or text[end] in "。；"):
            return True
        start = text.find(sentence, start + 1)
    return False


def _check_timing(where: str, timing: str, sentence: str, problems: list[str]) -> None:
    """新认定 / 首次 / 当年度 in the sentence decide the timing; a sentence with none of them is dated or none."""
    own = TIMING_WORDS.get(timing, ())
    if own and not any(word in sentence for word in own):
        problems.append(f"items.toml: {where}: 时限 {timing} 须见于原文“{'”或“'.join(own)}”，设定金额的句子中没有")
    for other, words in TIMING_WORDS.items():
        found = [word for word in words if word in sentence]
        if other != timing and found:
            problems.append(f"items.toml: {where}: 时限 {timing} 与原文“{found[0]}”不符，应为 {other}")


def _check_wording(where: str, kind_name: str, sentence: str, numbers: dict[str, Number],
                   problems: list[str]) -> None:
    """The kind must be what the words say: 最高 is an amount at most, 一次性奖励X万元 a set one."""
    kind = rule_kinds()[kind_name]
    for name, number in numbers.items():
        for word in kind.quote_says.get(name, ()):
            if word not in number.quote:
                problems.append(f"items.toml: {where}: 数值 {name}: {kind.label}（{kind_name}）的引文须含“{word}”，"
                                f"“{number.quote}”中没有")
        for word in kind.never_says.get(name, ()):
            if word in number.quote or word in sentence:
                problems.append(f"items.toml: {where}: 数值 {name}: 原文写“{word}”，不是{kind.label}（{kind_name}）")


def _check_quotes_are_the_items_own(items: dict[str, AwardItem], problems: list[str]) -> None:
    """A number's words come from its item's sentence, or from one no other item's sentence holds.

    The same amount often stands in two sentences of a clause (瞪羚 and 省级专精特新:
    最高30万元); quoting the other item's words would prove the value but not the rule.
    """
    for item in items.values():
        for number in item.numbers.values():
            if number.quote in item.sentence:
                continue
            owners = [other.id for other in items.values()
                      if other is not item and other.clause is number.clause and number.quote in other.sentence]
            if owners:
                problems.append(f"items.toml: 条目 {item.id}: 数值 {number.name}: 引文“{number.quote}”"
                                f"出自条目 {'、'.join(owners)} 的句子，不在本条目设定金额的句子中")


def _load_aliases(where: str, raw_aliases: list[Any], problems: list[str]) -> dict[str, str]:
    """Alias → scope; each alias must say whether it names the item exactly or could name more."""
    aliases: dict[str, str] = {}
    for raw in raw_aliases:
        if not isinstance(raw, dict) or "name" not in raw:
            problems.append(f"items.toml: {where}: 别名须写成 {{ name, scope }}，实为 {raw!r}")
            continue
        _unknown_keys("items.toml", f"{where}: 别名“{raw['name']}”", raw, _ALIAS_KEYS, problems)
        if raw.get("scope") not in ALIAS_SCOPES:
            problems.append(f"items.toml: {where}: 别名“{raw['name']}”须声明 scope = \"same\" 或 \"broader\"")
        aliases[raw["name"]] = raw.get("scope", "")
    return aliases


def _counterparts(item: AwardItem, items: dict[str, AwardItem]) -> tuple[str, ...]:
    if not item.honour:
        return ()
    return tuple(other.id for other in items.values()
                 if other.honour == item.honour and other.level != item.level)


def _load_numbers(
    where: str, item_name: str, raw_numbers: dict[str, Any], clauses: dict[str, Clause], problems: list[str]
) -> dict[str, Number]:
    numbers: dict[str, Number] = {}
    for name, raw in raw_numbers.items():
        label = f"items.toml: {where}: 数值 {name}"
        if not isinstance(raw, dict):
            problems.append(f"{label}: 须写成 {{ value, unit, clause, quote }}")
            continue
        _unknown_keys("items.toml", f"{where}: 数值 {name}", raw, _NUMBER_KEYS, problems)
        clause = clauses.get(raw.get("clause", ""))
        if clause is None:
            problems.append(f"{label}: 未注明出处条款")
            continue
        quote = raw.get("quote", "")
        if not quote or quote not in clause.text:
            problems.append(f"{label}: 引文不在条款 {clause.id} 原文中")
        try:
            value = Decimal(str(raw.get("value")))
        except InvalidOperation:
            problems.append(f"{label}: 数值“{raw.get('value')}”无效")
            continue
        unit = raw.get("unit", "")
        position = raw.get("position", 0)
        _prove_number(label, item_name, value, unit, quote, clause, raw, problems)
        numbers[name] = Number(name=name, value=value, unit=unit, clause=clause, quote=quote,
                               position=position if isinstance(position, int) else 0, grade=raw.get("grade", ""))
    return numbers


def _prove_number(label: str, item_name: str, value: Decimal, unit: str, quote: str, clause: Clause,
                  raw: dict[str, Any], problems: list[str]) -> None:
    """The value must stand in its quote with its unit, at its declared place in a list.

    ``分别给予最高50万元、30万元`` holds two amounts: each number says which it is
    (``position``) and, after 分别, whom the list is for (``of``, as the clause
    lists them, one subject per amount), and the item must be that subject.
    """
    amounts = re.findall(rf"(?<![\d.])(\d+(?:\.\d+)?){re.escape(unit)}", quote) if unit else []
    written = f"{value}{unit}"
    if not unit or str(value) not in amounts:
        problems.append(f"{label}: 引文“{quote}”中找不到“{written}”（数值须连同单位出现）")
        return
    position = raw.get("position")
    if len(amounts) > 1:
        if not isinstance(position, int) or not 1 <= position <= len(amounts):
            problems.append(f"{label}: 引文列出 {len(amounts)} 个数额，须以 position 注明是第几个")
            return
        if amounts[position - 1] != str(value):
            problems.append(f"{label}: 引文中第{position}个数额是“{amounts[position - 1]}{unit}”，不是“{written}”")
            return
    elif position not in (None, 1):
        problems.append(f"{label}: 引文只有一个数额，position 应省略")
    if "分别" not in quote:
        return
    subjects = raw.get("of")
    if not isinstance(subjects, list) or not subjects:
        problems.append(f"{label}: “分别”句须以 of 列出数额各自对应的对象")
        return
    if len(subjects) != len(amounts):
        problems.append(f"{label}: “分别”句列出 {len(subjects)} 个对象、{len(amounts)} 个数额，数目不符")
        return
    if not any(join.join(subjects) in clause.text for join in _LIST_JOINS):
        problems.append(f"{label}: 对象“{'、'.join(subjects)}”不是条款 {clause.id} 原文中的列举")
    index = position if isinstance(position, int) else 1  # position is omitted only for a single amount
    subject = normalise_name(subjects[index - 1])
    grade = raw.get("grade", "")
    if subject not in normalise_name(item_name) and not (grade and subject == normalise_name(f"{grade}类")):
        problems.append(f"{label}: 第{position}个数额对应“{subjects[index - 1]}”，与事项“{item_name}”不符")


def _load_regions(doc: dict[str, Any], clauses: dict[str, Clause], problems: list[str]) -> RegionData:
    _unknown_keys("regions.toml", "文件", doc, _REGION_FILE_KEYS, problems)
    clause = clauses.get(doc.get("clause", ""))
    if clause is None:
        problems.append("regions.toml: 未注明出处条款")
        clause = next(iter(clauses.values()))
    elif doc.get("quote", "") not in clause.text:
        problems.append(f"regions.toml: 引文不在条款 {clause.id} 原文中")
    regions = []
    for raw in doc.get("region", []):
        _unknown_keys("regions.toml", f"地区 {raw.get('name')}", raw, _REGION_KEYS, problems)
        if raw.get("name", "") not in clause.text:
            problems.append(f"regions.toml: 地区“{raw.get('name')}”不在条款 {clause.id} 原文中")
        where = f"regions.toml: 地区 {raw.get('name')}"
        _check_divisions(where, "provinces", raw.get("provinces", []), PROVINCE, problems)
        _check_divisions(where, "cities", raw.get("cities", []), CITY, problems)
        regions.append(Region(
            name=raw.get("name", ""), aliases=tuple(raw.get("aliases", [])),
            provinces=tuple(raw.get("provinces", [])), cities=tuple(raw.get("cities", [])),
        ))
    _check_divisions("regions.toml: partial_provinces", "partial_provinces",
                     doc.get("partial_provinces", []), PROVINCE, problems)
    return RegionData(
        clause=clause, quote=doc.get("quote", ""), regions=tuple(regions),
        partial_provinces=tuple(doc.get("partial_provinces", [])),
    )


def _check_divisions(where: str, key: str, names: list[str], level: int, problems: list[str]) -> None:
    """Each name must be the full name of exactly one current division of ``level``."""
    table = load_divisions()
    for name in names:
        found = [d for d in table.named(name) if d.name == name and d.level == level and d.current]
        if len(found) != 1:
            problems.append(f"{where}: {key} 中的“{name}”不是行政区划表中唯一的{LEVEL_WORDS[level]}名称")


def _name_index(items: dict[str, AwardItem], problems: list[str]) -> dict[str, AwardItem]:
    index: dict[str, AwardItem] = {}
    for item in items.values():
        for name in (item.name, *item.aliases):
            key = normalise_name(name)
            other = index.get(key)
            if other is not None and other is not item:
                problems.append(f"items.toml: 条目 {item.id}: 名称“{name}”与条目 {other.id} 重复")
            index[key] = item
    return index
