"""Party and state document numbers cited in text (35-CT/TW, 258-KH/BTCTW, 125/2025/NĐ-CP…)."""

import re

# Party documents: number-TYPE/ISSUER, e.g. 05-CT/TW, 258-KH/BTCTW, 144-QĐ/TW.
_PARTY = re.compile(r"(?<![\w/-])(\d{1,4})\s*-\s*(CT|NQ|KH|KL|QĐ|QĐi|HD|TB|QC|CV)\s*/\s*([A-ZĐ]{2,8})(?![\w/])")
# State documents: number[/year]/TYPE-ISSUER, e.g. 125/2025/NĐ-CP, 318/QĐ-TTg, 01/2020/TT-BTC.
_STATE = re.compile(r"(?<![\w/-])(\d{1,5})/(?:(\d{4})/)?(NĐ|QĐ|TT|NQ|CT|KH|QH)-([A-ZĐa-z]{2,8})(?![\w/])")


def find_directives(text: str) -> list[str]:
    """Normalised directive keys in order of first citation, each once."""
    found: dict[str, None] = {}
    for number, kind, issuer in _PARTY.findall(text):
        found[f"{int(number):02d}-{kind}/{issuer}"] = None
    for number, year, kind, issuer in _STATE.findall(text):
        key = f"{int(number)}/{year}/{kind}-{issuer}" if year else f"{int(number)}/{kind}-{issuer}"
        found[key] = None
    return list(found)
