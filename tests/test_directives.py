from pipelines.directives import find_directives


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
