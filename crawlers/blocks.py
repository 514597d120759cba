"""Recognising a block page, captcha or login wall served instead of content (HTTP 200 or not)."""

import re

from lxml.etree import XPath

from portalwatch.core.page import Page

_CHALLENGE = re.compile(
    r"captcha|cf-challenge|cf_chl_|challenge-platform|just a moment\.\.\.|attention required|ddos protection"
    r"|xác (minh|thực) bạn (là|không phải) (người|robot)|kiểm tra bảo mật", re.I)
_DENIED = re.compile(
    r"access denied|request blocked|you have been blocked|forbidden|truy cập bị từ chối|bị chặn truy cập"
    r"|địa chỉ ip của bạn đã bị chặn|bạn không có quyền truy cập", re.I)
_LOGIN = re.compile(r"đăng nhập|login|sign in|mật khẩu|password", re.I)
# Pages without any of these words anywhere in their markup are content: no parsing needed. (Plain
# substring tests: the regexes above cost more than a millisecond on every page.)
_MARKERS = ("captcha", "challenge", "just a moment", "attention required", "ddos", "denied", "blocked", "forbidden",
            "từ chối", "bị chặn", "password", "mật khẩu", "xác minh", "xác thực", "bảo mật", "không có quyền")
# A page with this much visible text is content, whatever words it contains (a comment form's
# reCAPTCHA under an article is not a block page).
CONTENT_CHARS = 1500
# Text a visitor sees: script, style and noscript bodies are not (the shared tree is read, never pruned).
_SHOWN_TEXT = XPath("//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]", smart_strings=False)


def block_reason(page: Page) -> str | None:
    """Why a fetched page is a block page rather than the content asked for (None: it is content)."""
    lowered = page.text.lower()
    if not any(marker in lowered for marker in _MARKERS):
        return None
    doc = page.tree
    if doc is None:
        return None
    text = " ".join("".join(_SHOWN_TEXT(doc)).split())
    if len(text) >= CONTENT_CHARS:
        return None
    title = " ".join(doc.xpath("//title//text()")).strip()
    probe = f"{title} {text} {' '.join(doc.xpath('//@class|//@id|//@action'))}"
    if _CHALLENGE.search(probe) or doc.xpath("//*[contains(@class, 'g-recaptcha') or contains(@class, 'h-captcha')]"):
        return f"trang xác minh captcha/chống bot ({title or 'không tiêu đề'})"
    if _DENIED.search(f"{title} {text}"):
        return f"trang từ chối truy cập ({title or text[:60]})"
    if doc.xpath("//input[@type='password']") and _LOGIN.search(probe):
        return f"yêu cầu đăng nhập ({title or 'trang đăng nhập'})"
    return None
