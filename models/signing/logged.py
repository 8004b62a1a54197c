"""What the hash-chained log once recorded about the CA and people, which no later entry can take back.

The tables say what holds now, and an insider can append a consistent entry
that changes them. But what an earlier entry logged stays in the chain (below
any anchor, rewriting it is caught): the workspace's CA certificate, each
revocation and re-key, and the order in which signed records entered the log.
So a CA replaced later, a revocation cleared later, or a decision signed with
a back-dated time after its signer's revocation is named, whatever the tables
and the claimed times say.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime

from models.signing.ca import cert_from_pem, fingerprint
from models.signing.reviewers import REVOKED, IssuedCertificate
from models.workspace.projection import Replay


@dataclass(frozen=True, slots=True)
class Ended:
    """When a certificate stopped counting: the time it states and the log entry that first recorded it."""

    at: str
    seq: int


@dataclass(slots=True)
class LoggedPeople:
    ca_pem: str | None = None
    problems: list[str] = field(default_factory=list)
    revoked: dict[str, Ended] = field(default_factory=dict)
    retired: dict[str, Ended] = field(default_factory=dict)
    revoked_names: dict[str, Ended] = field(default_factory=dict)
    first_logged: dict[tuple[str, str], int] = field(default_factory=dict)
    _fingerprints: dict[int, str] = field(default_factory=dict)

    def _fingerprint(self, issued: IssuedCertificate) -> str:
        key = id(issued.certificate)
        if key not in self._fingerprints:
            self._fingerprints[key] = fingerprint(issued.certificate)
        return self._fingerprints[key]

    def with_logged_ends(self, issued: IssuedCertificate) -> IssuedCertificate:
        """``issued`` with the revocation and retirement the log recorded, even if the table no longer shows them."""
        key = self._fingerprint(issued)
        revoked = self.revoked.get(key) or self.revoked_names.get(issued.name)
        retired = self.retired.get(key)
        return replace(issued, revoked_at=revoked.at if revoked else issued.revoked_at,
                       retired_at=retired.at if retired else issued.retired_at)

    def logged_after_end(self, issued: IssuedCertificate, table: str, key: str) -> Ended | None:
        """The revocation or re-key a record signed with ``issued`` entered the log after, if any."""
        seq = self.first_logged.get((table, key))
        if seq is None:
            return None
        fingerprint_of = self._fingerprint(issued)
        for ended in (self.revoked.get(fingerprint_of) or self.revoked_names.get(issued.name),
                      self.retired.get(fingerprint_of)):
            if ended is not None and seq > ended.seq:
                return ended
        return None


def _moment(text: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


def _earliest(found: dict[str, Ended], key: str, at: object, seq: int) -> None:
    if not at or key in found:
        return
    found[key] = Ended(str(at), seq)


def logged_people(replay: Replay) -> LoggedPeople:
    """The CA and people's revocations and re-keys as the log first recorded them."""
    logged = LoggedPeople(first_logged=replay.first_logged)
    fingerprints: dict[str, str] = {}
    for seq, table, _, text in replay.history:
        if table not in ("ca", "reviewer_certificates", "reviewers"):
            continue
        row = json.loads(text)
        if table == "ca":
            pem = row.get("certificate_pem")
            if logged.ca_pem is None:
                logged.ca_pem = pem
            elif pem != logged.ca_pem:
                logged.problems.append(f"审计日志第 {seq} 条把本工作区的 CA 证书换成了另一张：CA 一经建立不能更换，"
                                       "此后以新 CA 签发的证书和签名都不可信")
        elif table == "reviewer_certificates":
            pem = str(row.get("certificate_pem"))
            if pem not in fingerprints:
                fingerprints[pem] = fingerprint(cert_from_pem(pem))
            _earliest(logged.revoked, fingerprints[pem], row.get("revoked_at"), seq)
            _earliest(logged.retired, fingerprints[pem], row.get("retired_at"), seq)
        elif table == "reviewers" and row.get("status") == REVOKED:
            _earliest(logged.revoked_names, str(row.get("name")), row.get("revoked_at") or "", seq)
    for name, ended in logged.revoked_names.items():
        if _moment(ended.at) is None:
            logged.problems.append(f"审计日志第 {ended.seq} 条记录 {name} 已吊销，却没有吊销时间")
    return logged


def cleared_ends(logged: LoggedPeople, current: list[IssuedCertificate]) -> list[str]:
    """Each revocation or re-key the log recorded that the certificate table no longer shows."""
    problems = []
    for issued in current:
        key = fingerprint(issued.certificate)
        for what, ended, now in (("吊销", logged.revoked.get(key), issued.revoked_at),
                                 ("更换密钥停用", logged.retired.get(key), issued.retired_at)):
            if ended is not None and now != ended.at:
                problems.append(f"{issued.name} 的证书 {key[:16]}… 已于 {ended.at} {what}（审计日志第 {ended.seq} 条），"
                                f"证书表中现为 {now!r}：{what}不能撤销")
    return problems
