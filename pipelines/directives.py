"""Party and state document numbers cited in text (35-CT/TW, 258-KH/BTCTW, 125/2025/NĐ-CP…),
with their type, issuer and date where the text states them, each normalised to one key."""

import re
from datetime import date

from portalwatch.core.models import Directive

# Party documents: number-TYPE/ISSUER, e.g. 05-CT/TW, 258-KH/BTCTW, 144-QĐ/TW.
_PARTY = re.compile(r"(?<![\w/-])(\d{1,4})\s*-\s*(CT|NQ|KH|KL|QĐ|QĐi|HD|TB|QC|CV)\s*/\s*([A-ZĐ]{2,8})(?![\w/])")
# State documents: number[/year]/TYPE-ISSUER, e.g. 125/2025/NĐ-CP, 318/QĐ-TTg, 01/2020/TT-BTC.
_STATE = re.compile(r"(?<![\w/-])(\d{1,5})/(?:(\d{4})/)?(NĐ|QĐ|TT|NQ|CT|KH|QH)-([A-ZĐa-z]{2,8})(?![\w/])")
# What every match of each holds, found in a fraction of the time (these start with letters or "/", which the
# regex engine skips to directly; the patterns above start with a lookbehind, tried at every character):
# a text without it cites none of that kind.
_PARTY_HINT = re.compile(r"(?:CT|NQ|KH|KL|QĐi?|HD|TB|QC|CV)\s*/")
_STATE_HINT = re.compile(r"/(?:NĐ|QĐ|TT|NQ|CT|KH|QH)-")
# What follows a number: "ngày 15/5/2016" and "của Bộ Chính trị".
_DATE_AFTER = re.compile(r"^\s*,?\s*ngày\s+(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})")
_ISSUER_AFTER = re.compile(
    r"^[^.;:\n]{0,40}?\bcủa\s+(Bộ Chính trị|Ban Bí thư|Ban Chấp hành Trung ương(?: Đảng)?|Ban Thường vụ Tỉnh ủy|"
    r"Tỉnh ủy|Chính phủ|Thủ tướng Chính phủ|Quốc hội|Ủy ban Thường vụ Quốc hội|Ủy ban nhân dân tỉnh|"
    r"UBND tỉnh|Ban Tổ chức Trung ương|Ban Tuyên giáo Trung ương|Bộ [A-ZĐ][\wđ ]{2,30}?)(?=[\s,.;)]|$)"
)
_PARTY_KINDS = {"CT": "Chỉ thị", "NQ": "Nghị quyết", "KH": "Kế hoạch", "KL": "Kết luận", "QĐ": "Quy định",
                "QĐi": "Quy định", "HD": "Hướng dẫn", "TB": "Thông báo", "QC": "Quy chế", "CV": "Công văn"}
_STATE_KINDS = {"NĐ": "Nghị định", "QĐ": "Quyết định", "TT": "Thông tư", "NQ": "Nghị quyết", "CT": "Chỉ thị",
                "KH": "Kế hoạch", "QH": "Luật/Nghị quyết của Quốc hội"}
_ISSUER_CODES = {"TW": "Trung ương Đảng", "BTCTW": "Ban Tổ chức Trung ương", "BTGTW": "Ban Tuyên giáo Trung ương",
                 "TU": "Tỉnh ủy", "HU": "Huyện ủy", "ĐU": "Đảng ủy", "CP": "Chính phủ", "TTg": "Thủ tướng Chính phủ",
                 "UBND": "Ủy ban nhân dân", "BTC": "Bộ Tài chính", "QH": "Quốc hội"}


def _party_key(match: re.Match[str]) -> str:
    number, kind, issuer_code = match.groups()
    return f"{int(number):02d}-{kind}/{issuer_code}"


def _state_key(match: re.Match[str]) -> str:
    number, year, kind, issuer_code = match.groups()
    return f"{int(number)}/{year}/{kind}-{issuer_code}" if year else f"{int(number)}/{kind}-{issuer_code}"


def _stated(after: str) -> tuple[date | None, str | None]:
    issued_on = None
    if match := _DATE_AFTER.match(after):
        day, month, year = (int(g) for g in match.groups())
        try:
            issued_on = date(year, month, day)
        except ValueError:
            issued_on = None
        after = after[match.end():]
    issuer = _ISSUER_AFTER.match(after)
    return issued_on, issuer.group(1).strip() if issuer else None


def parse_directives(text: str) -> list[Directive]:
    """Each cited document once, in order of first citation, with the details the text gives."""
    cited: list[tuple[int, Directive]] = []
    for match in _PARTY.finditer(text) if _PARTY_HINT.search(text) else ():
        kind, issuer_code = match[2], match[3]
        cited.append((match.start(), _directive(text, match.end(), _party_key(match), _PARTY_KINDS[kind],
                                                issuer_code)))
    for match in _STATE.finditer(text) if _STATE_HINT.search(text) else ():
        kind, issuer_code = match[3], match[4]
        cited.append((match.start(), _directive(text, match.end(), _state_key(match), _STATE_KINDS[kind],
                                                issuer_code)))
    found: dict[str, Directive] = {}
    for _, directive in sorted(cited, key=lambda c: c[0]):
        known = found.get(directive.key)
        if known is None:
            found[directive.key] = directive
        elif known.issued_on is None and directive.issued_on is not None:  # a later citation dates it
            found[directive.key] = known.model_copy(update={"issued_on": directive.issued_on})
    return list(found.values())


def _directive(text: str, end: int, key: str, kind: str, issuer_code: str) -> Directive:
    issued_on, stated_issuer = _stated(text[end : end + 80])
    issuer = stated_issuer or _ISSUER_CODES.get(issuer_code, issuer_code)
    return Directive(key=key, kind=kind, issued_on=issued_on, issuer=issuer)


def find_directives(text: str) -> list[str]:
    """The normalised keys only, for search and the digest."""
    return [d.key for d in parse_directives(text)]


# The codes' own letter case, for a number typed in capitals or in small letters (qđ-ttg: QĐ-TTg).
_CASED = {code.upper(): code for code in [*_PARTY_KINDS, *_STATE_KINDS, *_ISSUER_CODES]}


def directive_key(typed: str) -> str:
    """A document number as a user types it (5-CT/TW, 35-ct/tw, 318/qđ-ttg) as the key articles are stored
    under (05-CT/TW, 35-CT/TW, 318/QĐ-TTg), by the rule parse_directives applies; what is no number is kept
    as typed."""
    tight = re.sub(r"\s*([-/])\s*", r"\1", typed.strip())
    recased = "".join(_CASED.get(part, part) for part in re.split(r"([-/])", tight.upper()))
    for candidate in (tight, recased):  # as typed first: an issuer in mixed case that we have no code for
        if match := _PARTY.fullmatch(candidate):
            return _party_key(match)
        if match := _STATE.fullmatch(candidate):
            return _state_key(match)
    return typed.strip()
