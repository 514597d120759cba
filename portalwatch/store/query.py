"""The search syntax both stores answer alike: Elasticsearch's simple_query_string with the AND, OR,
NOT, PHRASE and PRECEDENCE operators, which the engine applies itself and the embedded store
compiles to FTS5 from the tree parsed here.

Words and "quoted phrases" must all occur; `|` between two of them means either; `-` before one
excludes it; parentheses group. As in simple_query_string, operators apply left to right with no
precedence: `a b | c` is `(a b) | c`, so alternatives of several words are written as phrases
(`"xây dựng" | "chỉnh đốn"`). Any other character is text, so user input is never an error in
itself; refused, with a message saying why, are only: exclusions with nothing to exclude from, text with
no letter or digit at all (it would list every article), groups nested deeper than MAX_DEPTH and more than
MAX_WORDS words (the engine refuses so many clauses; both stores refuse alike).

Both stores also make their snippets here, by one rule (`snippet`): the engine's own highlighter cost
most of a search's time.
"""

import functools
import html
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from portalwatch.core.normalize import fold, normalize_text
from portalwatch.store.base import StoreError

# A phrase (an unclosed quote runs to the end), an operator, a minus before a term, or a word: `-`
# inside a word ("35-CT/TW") is text, and one followed by a space or nothing is ignored, as the engine does.
_TOKEN = re.compile(r'"[^"]*"?|[()|+]|-(?=[^\s)|+])|(?P<lone>-+(?=[\s)|+]|$))|[^\s()|+"]+')
_WORD = re.compile(r"\w")
MAX_DEPTH = 20  # parentheses inside parentheses
MAX_WORDS = 200  # words looked for or excluded, phrases counted word by word
_SNIPPET_CHARS = 220  # of the body
_LEAD = 60  # characters of a snippet before the match it opens on


@dataclass(frozen=True)
class Term:
    text: str  # normalised and lowercased; several words (a phrase) when quoted


@dataclass(frozen=True)
class Not:
    child: "Node"


@dataclass(frozen=True)
class And:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    children: tuple["Node", ...]


Node = Term | Not | And | Or


class UnsupportedQuery(StoreError):
    """A query both stores refuse, with the reason and what to write instead."""


def parse(text: str) -> Node | None:
    """The query tree of user text, or None when there is no text (filters alone)."""
    tokens = [m.group() for m in _TOKEN.finditer(normalize_text(text).lower()) if not m.group("lone")]
    words = sum(len(t.strip('"').split()) for t in tokens if _WORD.search(t))
    if words > MAX_WORDS:
        raise UnsupportedQuery(f"Truy vấn quá dài: {words} từ, tối đa {MAX_WORDS}; giữ lại những từ hay cụm từ "
                               "đặc trưng nhất.")
    tokens.reverse()  # popped from the end
    tree = _sequence(tokens, nested=False)
    if tree is None and text.strip():
        raise UnsupportedQuery(f"Truy vấn {text.strip()!r} không có chữ hay số nào để tìm (dấu câu và biểu tượng "
                               "bị bỏ qua); bỏ trống để xem mọi bài theo bộ lọc.")
    if tree is not None:
        _check(tree)
    return tree


def _sequence(tokens: list[str], nested: bool, depth: int = 0) -> Node | None:
    """Terms and groups up to the closing parenthesis, combined left to right (an unmatched closing
    parenthesis is ignored, as the engine ignores it)."""
    top: Node | None = None
    either = negate = False
    while tokens:
        token = tokens.pop()
        if token == ")":
            if nested:
                break
            continue
        if token == "|":
            either = True
        elif token == "+":
            either = False
        elif token == "-":
            negate = not negate
        else:
            if token == "(" and depth >= MAX_DEPTH:
                raise UnsupportedQuery(f"Truy vấn lồng quá {MAX_DEPTH} lớp ngoặc; viết gọn lại, ví dụ "
                                       "`(lúa | gạo) \"giá cả\"`.")
            node = _sequence(tokens, nested=True, depth=depth + 1) if token == "(" else _term(token)
            if node is not None:
                node = Not(node) if negate else node
                top = node if top is None else _join(Or if either else And, top, node)
            either = negate = False
    return top


def _term(token: str) -> Term | None:
    text = " ".join(token.strip('"').split())
    return Term(text) if _WORD.search(text) else None


def _join(kind: type[And] | type[Or], left: Node, right: Node) -> Node:
    """left kind right, flattened: (a AND b) AND c is one AND of three."""
    head = left.children if isinstance(left, kind) else (left,)
    return kind((*head, right))


def _check(node: Node) -> None:
    """Every exclusion must sit in an AND beside something to look for: FTS5 has no "every document"
    to subtract from, and a lone exclusion would list the whole collection anyway."""
    if isinstance(node, Not) or (isinstance(node, And) and all(isinstance(c, Not) for c in node.children)):
        raise UnsupportedQuery("Truy vấn chỉ có từ loại trừ (-): thêm ít nhất một từ cần tìm, ví dụ "
                               "`bầu cử -\"quốc hội\"`.")
    for child in node.children if isinstance(node, And | Or) else ():
        if isinstance(child, Not) and isinstance(node, Or):
            raise UnsupportedQuery("Không dùng được từ loại trừ (-) làm một lựa chọn sau dấu |: đặt nó ngoài "
                                   "nhóm, ví dụ `(lúa | gạo) -\"giá cả\"`.")
        _check(child.child if isinstance(child, Not) else child)


def positive_terms(node: Node | None) -> list[Term]:
    """The terms looked for (not those excluded), for highlighting and exact re-ranking."""
    if node is None or isinstance(node, Not):
        return []
    if isinstance(node, Term):
        return [node]
    return [term for child in node.children for term in positive_terms(child)]


@functools.cache
def _letters() -> dict[str, str]:
    """Each folded character -> a regex class of the characters that fold to it. fold() maps NFC text one
    character to one, so a folded word is found in the text as written, each of its letters standing for
    its class: the text itself is never folded (folding the bodies was most of a snippet's time)."""
    one_to_one = {ord(ch): folded for ch in map(chr, range(0xC0, 0x2020))
                  if unicodedata.is_normalized("NFC", ch) and len(folded := fold(ch)) == 1}
    classes: dict[str, set[str]] = {}
    for ch in map(chr, range(0x10000)):
        folded = ch.translate(one_to_one).lower()
        if len(folded) == 1 and folded != ch:
            classes.setdefault(folded, {folded}).add(ch)
    return {folded: f"[{''.join(map(re.escape, sorted(chars)))}]" for folded, chars in classes.items()}


@functools.lru_cache(maxsize=1024)
def _finder(word: str) -> str:
    """The regex of a folded word in unfolded text."""
    letters = _letters()
    return "".join(letters.get(ch, re.escape(ch)) for ch in word)


def snippet(body: str, tree: Node | None) -> str:
    """The passage of the body that holds the most distinct query terms (the first such), terms marked,
    found ignoring diacritics and case, as whole words; the beginning when none is in the body."""
    words = list(dict.fromkeys(fold(t.text) for t in positive_terms(tree)))  # each looked for once
    if not unicodedata.is_normalized("NFC", body):
        body = unicodedata.normalize("NFC", body)
    found = sorted((m.start(), m.end(), i) for i, word in enumerate(words) for m in re.finditer(_finder(word), body)
                   if _whole(body, *m.span()))
    # A window opens _LEAD characters before a match; the two ends slide over the matches once.
    start = most = first = last = 0
    held: Counter[int] = Counter()
    for at, _, _ in found:
        opens = max(0, at - _LEAD)
        while last < len(found) and found[last][1] <= opens + _SNIPPET_CHARS:
            held[found[last][2]] += 1
            last += 1
        while first < last and found[first][0] < opens:
            term = found[first][2]
            held[term] -= 1
            if not held[term]:
                del held[term]
            first += 1
        if len(held) > most:
            start, most = opens, len(held)
    end = min(len(body), start + _SNIPPET_CHARS)
    spans = [(s - start, e - start) for s, e, _ in found if start <= s and e <= end]
    piece, cut, window = [], 0, body[start:end]
    for s, e in spans:
        if s >= cut:  # of two overlapping terms, the one that starts first
            piece += [html.escape(window[cut:s]), "<mark>", html.escape(window[s:e]), "</mark>"]
            cut = e
    piece.append(html.escape(window[cut:]))
    text_out = "".join(piece).replace("\n\n", " ")
    return ("…" if start else "") + text_out + ("…" if end < len(body) else "")


def _whole(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is not part of a longer word."""
    return not (start and text[start - 1].isalnum()) and not (end < len(text) and text[end].isalnum())
