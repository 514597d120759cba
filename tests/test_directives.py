import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

from pipelines.directives import directive_key, find_directives, parse_directives
from portalwatch.core import VN_TZ
from portalwatch.core.config import Settings
from portalwatch.store import open_store
from tests.support import make


def test_party_and_state_document_numbers_are_found_and_normalised() -> None:
    text = (
        "Thực hiện Chỉ thị số 35-CT/TW ngày 30/5/2019, Kế hoạch số 258-KH/BTCTW, Nghị quyết số 35-NQ/TW "
        "và Chỉ thị 5-CT/TW; Nghị định số 125/2025/NĐ-CP, Quyết định số 318/QĐ-TTg. Nhắc lại 35-CT/TW."
    )
    assert find_directives(text) == [
        "35-CT/TW", "258-KH/BTCTW", "35-NQ/TW", "05-CT/TW", "125/2025/NĐ-CP", "318/QĐ-TTg",
    ]


def test_dates_and_phone_numbers_are_not_directives() -> None:
    assert find_directives("ngày 30/5/2019, hotline 0912-345-678, tỷ lệ 35/40") == []


def test_type_issuer_and_date_are_read_where_stated() -> None:
    text = ("Chỉ thị số 05-CT/TW ngày 15/5/2016 của Bộ Chính trị; Quy định 144-QĐ/TW; "
            "Quyết định số 318/QĐ-TTg ngày 08/3/2022 của Thủ tướng Chính phủ; Kế hoạch 258-KH/BTCTW.")
    details = {d.key: (d.kind, d.issuer, d.issued_on) for d in parse_directives(text)}
    assert details == {
        "05-CT/TW": ("Chỉ thị", "Bộ Chính trị", date(2016, 5, 15)),
        "144-QĐ/TW": ("Quy định", "Trung ương Đảng", None),  # a Party QĐ is a regulation
        "318/QĐ-TTg": ("Quyết định", "Thủ tướng Chính phủ", date(2022, 3, 8)),  # a state QĐ is a decision
        "258-KH/BTCTW": ("Kế hoạch", "Ban Tổ chức Trung ương", None),
    }


def test_numbers_typed_by_users_become_the_stored_keys() -> None:
    typed = {"5-CT/TW": "05-CT/TW", "35-ct/tw": "35-CT/TW", " 35 - CT / TW ": "35-CT/TW",
             "318/qđ-ttg": "318/QĐ-TTg", "125/2025/nđ-cp": "125/2025/NĐ-CP", "258-kh/btctw": "258-KH/BTCTW"}
    assert {text: directive_key(text) for text in typed} == typed
    # A stored key is its own key; what is no number is kept as typed.
    for key in find_directives("Chỉ thị 05-CT/TW, Quy định 144-QĐi/TW, Quyết định 318/QĐ-TTg, 01/2020/TT-BTC."):
        assert directive_key(key) == key
    assert directive_key("<b>35</b>-CT") == "<b>35</b>-CT"


def test_the_cli_search_finds_a_number_as_typed(tmp_path: Path) -> None:
    cited = [make(f"http://a.test/{i}", f"Tin {i}", "Quán triệt Chỉ thị.", datetime(2026, 11, 2 + i, 8, tzinfo=VN_TZ),
                  directives=("05-CT/TW",) if i % 2 else ("35-CT/TW",)) for i in range(5)]
    store = open_store(Settings(data_dir=tmp_path))
    store.upsert(cited)
    store.close()
    for typed in ("5-ct/tw", "05-CT/TW"):
        done = subprocess.run([sys.executable, "-c", "from portalwatch.cli import main; main()", "search",
                               "--directive", typed, "--format", "json", "--data-dir", str(tmp_path)],
                              capture_output=True, text=True, check=True, timeout=120)
        assert json.loads(done.stdout)["total"] == sum("05-CT/TW" in a.directives for a in cited) == 2
