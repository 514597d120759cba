"""The article body: what generic extraction keeps and drops, on pages written here with real CMS markup shapes.

The texts are invented (tỉnh Bình Giang); the markup follows what WordPress news themes and provincial
portals emit: sub-headings, lists, tables and boxed notes inside the article, a sapo under the headline,
lists of the site's other headlines after it, advertising and author boxes around it.
"""

import pytest

from pipelines.clean import clean_paragraphs
from pipelines.extract import ExtractionError, extract, extract_body

SAPO = ("Năm 2026, tỉnh Bình Giang hoàn thành đưa toàn bộ thủ tục hành chính cấp xã lên cổng dịch vụ công, "
        "sớm hơn kế hoạch hai tháng.")
PARAGRAPHS = [
    "Theo báo cáo của Văn phòng UBND tỉnh, trong mười tháng qua, các xã, phường đã tiếp nhận hơn 48.000 hồ sơ "
    "trực tuyến, tăng gấp ba lần so với cùng kỳ năm trước.",
    "Nhiều địa phương bố trí tổ công nghệ số cộng đồng tại nhà văn hóa thôn để hướng dẫn người cao tuổi nộp "
    "hồ sơ bằng điện thoại.",
    "Ông Trần Văn Lộc, Chủ tịch UBND xã Tân Phong, cho biết nhờ chữ ký số, thời gian trả kết quả giảm từ năm "
    "ngày xuống còn một ngày làm việc.",
    "Tỉnh đặt mục tiêu đến hết quý II năm 2027, mọi hồ sơ đất đai ở cấp xã đều được số hóa và tra cứu được "
    "trên cổng thông tin của tỉnh.",
]
SUBHEADINGS = ["Người dân không phải đi lại nhiều lần", "Số hóa hồ sơ đất đai trong năm tới"]
ITEMS = [
    "Rà soát, cập nhật quy trình nội bộ của từng thủ tục trước ngày 15/12.",
    "Tập huấn kỹ năng số cho công chức một cửa ở tất cả các xã.",
    "Công khai kết quả giải quyết hồ sơ hằng tháng trên cổng thông tin.",
]
CELLS = [("Xã Tân Phong", "4.210 hồ sơ"), ("Phường Đông Hải", "6.835 hồ sơ")]
BOX = ("Lưu ý: người dân có thể gọi tổng đài 1022 của tỉnh để được hướng dẫn nộp hồ sơ trực tuyến miễn phí "
       "vào tất cả các ngày trong tuần.")
RELATED = [
    "Bình Giang tổ chức hội nghị chuyển đổi số cấp tỉnh năm 2026",
    "Huyện Tân Lập ra mắt mô hình thôn thông minh đầu tiên",
    "Sở Thông tin tỉnh Bình Giang tập huấn bảo đảm an toàn thông tin",
]
LATEST = [
    ("Khánh thành cầu Phú Lợi nối hai bờ sông Đáy Nhỏ", "20/11/2026"),
    ("Bình Giang đón nhận Huân chương Lao động hạng Nhất", "19/11/2026"),
    ("Hội thi tuyên truyền viên giỏi khối dân vận tỉnh", "18/11/2026"),
]
AUTHOR_BIO = ("Phóng viên ban Thời sự, mười năm theo dõi lĩnh vực cải cách hành chính và chính quyền số của "
              "tỉnh Bình Giang.")


def _article_page(*, source_link: bool = False) -> bytes:
    """A WordPress-style news article with its furniture; every text is ours."""
    related = "".join(f'<li><a href="/tin-tuc/{i}-bai-lien-quan.html">{t}</a></li>' for i, t in enumerate(RELATED))
    latest = "".join(f'<li><a href="https://baobinhgiang.test/{i}.html">{t}</a> <span>({d})</span></li>'
                     for i, (t, d) in enumerate(LATEST))
    rows = "".join(f"<tr><td>{a}</td><td>{b}</td></tr>" for a, b in CELLS)
    source = ('<p><a href="https://dichvucong.binhgiang.example/huong-dan">Hướng dẫn nộp hồ sơ trực tuyến trên cổng '
              'dịch vụ công tỉnh Bình Giang</a></p>') if source_link else ""
    return f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">
<title>Bình Giang đưa toàn bộ thủ tục cấp xã lên mạng - Báo Bình Giang</title>
<link rel="canonical" href="https://baobinhgiang.test/2026/11/thu-tuc-cap-xa.html">
<meta property="og:type" content="article"></head>
<body class="post-template-default single single-post">
<header class="site-header"><div class="site-branding"><a href="/">Báo Bình Giang</a>
<p class="site-description">Tiếng nói của Đảng bộ và nhân dân tỉnh Bình Giang</p></div>
<nav><ul><li><a href="/thoi-su/">Thời sự</a></li><li><a href="/kinh-te/">Kinh tế</a></li></ul></nav></header>
<div class="ads-leaderboard"><a href="https://quangcao.example/">Đặt quảng cáo trên Báo Bình Giang, liên hệ phòng
 Quảng cáo - Phát hành để nhận bảng giá mới nhất năm 2026</a></div>
<main id="main" class="site-main"><article class="post type-post status-publish has-excerpt">
<header class="entry-header"><h1 class="entry-title">Bình Giang đưa toàn bộ thủ tục cấp xã lên mạng</h1>
<div class="entry-meta"><span class="posted-on">20/11/2026 08:15</span> <span class="byline">Lê Hạnh</span></div>
</header>
<div class="entry-content">
<p class="detail-sapo"><strong>{SAPO}</strong></p>
<p>{PARAGRAPHS[0]}</p>
<h2>{SUBHEADINGS[0]}</h2>
<p>{PARAGRAPHS[1]}</p>
<p>{PARAGRAPHS[2]}</p>
<div class="note-box"><p>{BOX}</p></div>
<p>Các nhiệm vụ trọng tâm trong tháng 12:</p>
<ul>{"".join(f"<li>{item}</li>" for item in ITEMS)}</ul>
<h2>{SUBHEADINGS[1]}</h2>
<p>{PARAGRAPHS[3]}</p>
<table class="bang-so-lieu"><tr><th>Địa phương</th><th>Hồ sơ trực tuyến</th></tr>{rows}</table>
{source}
</div>
<div class="related-posts"><h3>Tin liên quan</h3><ul>{related}</ul></div>
<div class="author-description author-bio">{AUTHOR_BIO}</div>
</article></main>
<aside class="widget-area"><section class="widget"><h2 class="widget-title">Tin mới nhất</h2><ul>{latest}</ul>
</section></aside>
<footer class="site-footer"><p>Bản quyền thuộc về Báo Bình Giang.</p></footer></body></html>""".encode()


def test_body_keeps_subheadings_lists_tables_and_boxes_in_the_article() -> None:
    body = "\n".join(extract(_article_page()).paragraphs)
    for text in (*PARAGRAPHS, *SUBHEADINGS, *ITEMS, BOX, *(cell for row in CELLS for cell in row)):
        assert text in body, text


def test_body_starts_with_the_sapo_and_leaves_out_ads_author_box_and_site_tagline() -> None:
    paragraphs = extract(_article_page()).paragraphs
    assert paragraphs[0] == SAPO
    body = "\n".join(paragraphs)
    assert body.count(SAPO) == 1
    for furniture in ("Đặt quảng cáo", AUTHOR_BIO, "Tiếng nói của Đảng bộ", "Bản quyền"):
        assert furniture not in body, furniture


def test_headlines_of_the_sites_other_articles_are_dropped() -> None:
    body = "\n".join(extract(_article_page()).paragraphs)
    for headline in (*RELATED, *(title for title, _ in LATEST)):
        assert headline not in body, headline


def test_a_link_to_another_site_standing_alone_is_article_text() -> None:
    body = "\n".join(extract(_article_page(source_link=True)).paragraphs)
    assert "Hướng dẫn nộp hồ sơ trực tuyến trên cổng dịch vụ công tỉnh Bình Giang" in body


def test_a_list_of_documents_of_the_site_is_dropped_but_one_linked_item_stays() -> None:
    documents = [("125-KH/UBND", "Kế hoạch triển khai dịch vụ công trực tuyến toàn trình năm 2027"),
                 ("88-QĐ/UBND", "Quyết định công bố danh mục thủ tục hành chính cấp xã")]
    items = "".join(f'<li><a href="/van-ban/{n}.html">{n}</a> - {t}</li>' for n, t in documents)
    page = _article_page().replace(b"<h2>", f"<p>Văn bản liên quan:</p><ul>{items}</ul><h2>".encode(), 1)
    body = "\n".join(extract(page).paragraphs)
    assert not any(title in body for _, title in documents)
    single = f'<ul><li><a href="/van-ban/{documents[0][0]}.html">{documents[0][0]}</a> - {documents[0][1]}</li></ul>'
    page = _article_page().replace(b"<h2>", f"<p>Căn cứ:</p>{single}<h2>".encode(), 1)
    assert documents[0][1] in "\n".join(extract(page).paragraphs)


def test_short_lines_that_repeat_stay_a_long_repeated_paragraph_goes() -> None:
    interview = ["Phóng viên:", "Tỉnh bắt đầu số hóa hồ sơ từ khi nào?", "Ông Trần Văn Lộc:",
                 "Từ tháng 3, khi có chữ ký số cho cán bộ một cửa.", "Phóng viên:",
                 "Khó khăn lớn nhất là gì?", "Ông Trần Văn Lộc:", "Thiết bị ở các thôn vùng cao.",
                 PARAGRAPHS[0], PARAGRAPHS[0]]
    paragraphs, _ = clean_paragraphs(interview)
    assert paragraphs.count("Phóng viên:") == 2 and paragraphs.count("Ông Trần Văn Lộc:") == 2
    assert paragraphs.count(PARAGRAPHS[0]) == 1


def _forum_page() -> bytes:
    """A board index: menus and thread titles, each a link, with counters between them."""
    menu = "".join(f'<li><a href="/muc-{i}/">{name}</a></li>' for i, name in enumerate(
        ["Diễn đàn", "Bài mới", "Tìm chủ đề", "Chủ đề của bạn", "Chưa trả lời", "Thành viên", "Đang xem", "Tìm kiếm"]))
    threads = "".join(
        f'<div class="thread"><div class="thread-title"><a href="/chu-de/{i}/">{title}</a></div>'
        f'<div class="thread-meta"><a href="/thanh-vien/{i}/">thanhvien{i}</a> · {i + 3} trả lời</div></div>'
        for i, title in enumerate([
            "Hỏi về thủ tục cấp đổi giấy phép lái xe ở Bình Giang", "Kinh nghiệm đi chợ phiên Tân Lập cuối tuần",
            "Xin địa chỉ sửa xe máy uy tín gần cầu Phú Lợi", "Góp ý về tuyến xe buýt số 5 đi khu công nghiệp",
            "Chia sẻ lịch tiêm chủng cho trẻ ở trạm y tế phường", "Hỏi cách đăng ký tạm trú trực tuyến",
            "Review quán ăn sáng quanh hồ Bình Giang", "Tìm bạn chạy bộ buổi sáng ở công viên trung tâm",
        ]))
    return (f'<html lang="vi"><head><meta charset="utf-8"><title>Diễn đàn Bình Giang</title></head><body>'
            f'<div class="p-nav"><ul>{menu}</ul></div><div class="block-body">{threads}</div>'
            f'<div class="p-nav"><ul>{menu}</ul></div></body></html>').encode()


def test_a_page_of_links_is_refused_and_its_text_still_readable_for_measurement() -> None:
    with pytest.raises(ExtractionError):
        extract(_forum_page())
    page = _article_page()
    assert extract_body(page) == extract(page).paragraphs
