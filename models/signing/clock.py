"""The log's order against the times its entries claim: a PC clock set back shows as time running backwards.

Each entry's time is the writing PC's clock, and so are the signing times and the
dates things are judged by (whether a 补正 came after its deadline). The order of
the entries is not anyone's claim: an entry is appended after the one before it.
So an entry whose time is well before a time already logged was written by a
clock set back, and the times and judgements it carries cannot be trusted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from models.workspace.database import Database
from models.workspace.dialect import capture_key
from models.workspace.projection import PUT

CLOCK_TOLERANCE = timedelta(minutes=10)
"""How far an entry's time may fall behind the latest time logged before it: the clocks of the PCs that share
one workspace folder disagree by seconds to minutes; a clock set back to slip past a deadline or a revocation
is off by hours or days."""


@lru_cache(maxsize=65_536, typed=True)  # a pure parse: each logged time once per process
def _moment(text: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def clock_problems(db: Database) -> list[str]:
    """Each audit entry whose time is more than :data:`CLOCK_TOLERANCE` before the latest time logged before it
    (the first such entry behind each latest time, with how many more follow it)."""
    problems: list[str] = []
    behind_of: dict[int, int] = {}  # the latest entry an entry fell behind -> its problem's index
    extra: dict[int, int] = {}
    latest: tuple[int, datetime] | None = None
    for seq, at, action, subject in db.execute("SELECT seq, at, action, subject FROM audit ORDER BY seq"):
        moment = _moment(at)
        if moment is None:
            problems.append(f"审计日志第 {seq} 条（{action} {subject}）的时间 {at!r} 无法读取")
            continue
        if latest is not None and moment < latest[1] - CLOCK_TOLERANCE:
            if latest[0] in behind_of:
                extra[latest[0]] = extra.get(latest[0], 0) + 1
                continue
            behind_of[latest[0]] = len(problems)
            problems.append(
                f"审计日志第 {seq} 条（{action} {subject}）的时间 {at} 早于其前第 {latest[0]} 条的 "
                f"{latest[1].isoformat()}（早 {_span(latest[1] - moment)}）：日志的时间倒退了，电脑时钟被调动过"
                f"（写入此条时调回，或写入第 {latest[0]} 条时调快），两条记载的时间与据此作出的判断"
                "（签名时间、补正是否逾期）不可信")
        if latest is None or moment > latest[1]:
            latest = (int(seq), moment)
    for anchor, count in extra.items():
        problems[behind_of[anchor]] += f"；此后另有 {count} 条的时间同样早于第 {anchor} 条"
    return problems


def _span(delta: timedelta) -> str:
    if delta >= timedelta(days=1):
        return f"{delta.days} 天"
    hours, rest = divmod(int(delta.total_seconds()), 3600)
    return f"{hours} 小时 {rest // 60} 分钟" if hours else f"{rest // 60} 分钟"


def decision_times_sql(engine: str) -> str:
    """Each decision with its signed time and its capture key (``engine``'s form), in signing order."""
    return (f"SELECT uuid, application_id, stage, reviewer, decided_at, {capture_key(engine, 'uuid')} FROM decisions "
            "ORDER BY decided_at")


def decision_time_problems(db: Database) -> list[str]:
    """Each decision made at this workspace whose signed time is more than :data:`CLOCK_TOLERANCE` away from the
    time of the entry that first logged it.

    ``decide`` takes both from one clock reading; a decision signed elsewhere with
    another date (a scratch copy, the clock set back) and logged here later is not
    one it made. A 会评 merge brings in decisions signed earlier on a laptop: its
    entries are named ``…决定（会评合并）`` and are left to the merge's own checks.
    """
    first_logged: dict[str, int] = {}
    for key, seq in db.execute("SELECT key, MIN(seq) FROM audit_changes WHERE tbl = 'decisions' AND op = :put "
                               "GROUP BY key", {"put": PUT}):
        first_logged[str(key)] = int(seq)
    entries = {int(seq): (str(at), str(action)) for seq, at, action in db.execute(
        "SELECT seq, at, action FROM audit WHERE action LIKE '%决定%'")}
    problems = []
    for uuid, application_id, stage, reviewer, decided_at, key in db.execute(decision_times_sql(db.dialect)):
        seq = first_logged.get(str(key))
        if seq is None or seq not in entries:
            continue
        at, action = entries[seq]
        if action != f"{stage}决定":
            continue
        signed, logged = _moment(decided_at), _moment(at)
        if signed is None or logged is None or abs(signed - logged) <= CLOCK_TOLERANCE:
            continue
        direction = "早" if signed < logged else "晚"
        problems.append(f"决定 {uuid}（{application_id} {stage}，{reviewer}）：签名时间 {decided_at} 比记入审计日志"
                        f"（第 {seq} 条，{at}）{direction} {_span(abs(signed - logged))}：不是本工作区当时作出的决定，"
                        "签名时间是另行填写的")
    return problems
