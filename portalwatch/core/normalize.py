"""Vietnamese text normalisation: NFC, one tone-mark placement, whitespace, search folding."""

import re
import unicodedata

# Tone marks as combining characters (NFD): grave, acute, hook above, tilde, dot below.
_TONES = "\u0300\u0301\u0309\u0303\u0323"
# Open syllables ending in oa/oe/uy carry the mark on the first vowel in the style most
# portals use ("hòa", "thủy", "khỏe"); the other style puts it on the second ("hoà").
# The syllable must end after the mark: no letter and no further mark ("hoặc" has a breve after the dot).
_NEW_STYLE = re.compile(rf"(?<![qQ])([oOuU])([aAeEyY])([{_TONES}])(?![\w\u0300-\u036f])")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})


def _tone_candidates(vowels: str) -> str:
    """A regex of the composed letters that decompose to one of vowels plus a tone mark and nothing
    else, at the end of a syllable: exactly what _NEW_STYLE rewrites after o or u. Derived from
    Unicode data so the fast path below is exact."""
    letters = [chr(code) for code in range(0xC0, 0x2000)
               if len(d := unicodedata.normalize("NFD", chr(code))) == 2 and d[0] in vowels and d[1] in _TONES]
    return f"[{''.join(letters)}](?![\\w\\u0300-\\u036f])" if letters else "(?!)"


# Text already in normal form is common (most pages are NFC with single spaces, and stored articles
# are normalised already): these find what normalize_text would change, so it can return such text
# untouched instead of decomposing and recomposing it. Only the pairs _move_tone moves count.
# One class first, not alternatives: the regex engine then skips from vowel to vowel instead of trying
# each alternative at every character (half the time).
_TONE_CANDIDATE = re.compile(
    f"[oOuU](?<![qQ].)(?:(?<=[oO]){_tone_candidates('aAeE')}|(?<=[uU]){_tone_candidates('yY')})")


def _tidy_spaces(text: str) -> bool:
    """Only single spaces inside lines and "\n" between them: nothing splitlines, strip or _SPACES
    would rewrite. Every other space or line-break character (and U+200B) is unprintable, so one
    isprintable() pass finds them; a few other unprintable characters merely take the slow path."""
    if not (text.isprintable() or ("\n" in text and text.replace("\n", "x").isprintable())):
        return False
    return ("  " not in text and " \n" not in text and "\n " not in text
            and not text.startswith(" ") and not text.endswith((" ", "\n")))


def collapse_spaces(text: str) -> str:
    """" ".join(text.split()): runs of whitespace as one space, none at the ends. Text that is so already
    (most of it, once cleaned) is returned as it is: checking costs a C scan, splitting makes a string of
    every word. Every whitespace character but the space is unprintable, so a printable text without
    double or end spaces has nothing to collapse."""
    if text.isprintable() and "  " not in text and not text.startswith(" ") and not text.endswith(" "):
        return text
    return " ".join(text.split())


def _move_tone(match: re.Match[str]) -> str:
    first, second, tone = match.groups()
    pair = (first + second).lower()
    if pair not in ("oa", "oe", "uy"):
        return match.group(0)
    return first + tone + second


def normalize_text(text: str) -> str:
    """NFC with one tone placement and single spaces; line breaks are kept."""
    if (unicodedata.is_normalized("NFC", text) and not _TONE_CANDIDATE.search(text)
            and _tidy_spaces(text)):
        return text
    decomposed = unicodedata.normalize("NFD", text)
    decomposed = _NEW_STYLE.sub(_move_tone, decomposed)
    text = unicodedata.normalize("NFC", decomposed)
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(lines)


_MARKS = re.compile("[\u0300-\u036f]+")  # runs: one replacement per letter, not per mark


def _strip_marks(text: str) -> str:
    """fold() before lowercasing, for NFC text: decomposed, marks stripped, đ folded to d."""
    text = text.replace("đ", "d").replace("Đ", "D")
    if "\u201c" in text or "\u201d" in text or "\u2018" in text or "\u2019" in text:
        text = text.translate(_QUOTES)
    return _MARKS.sub("", unicodedata.normalize("NFD", text))


# Folding character by character with one table is about twice as fast as decomposing the text and
# stripping its marks with a regex (a substitution per marked letter: most Vietnamese syllables). It is
# exact when the only combining characters the text decomposes to are the stripped marks: decomposing a
# text is decomposing each character, then reordering runs of combining characters, and runs of stripped
# marks alone leave nothing to reorder. That holds for Latin letters (Vietnamese ones included), the marks
# themselves and general punctuation (curly quotes, dashes), which the table covers; other text takes the
# general way.
_BY_TABLE = "\x00-\u036f\u1e00-\u1eff\u2000-\u206f"
_NOT_BY_TABLE = re.compile(f"[^{_BY_TABLE}]")
_FOLD_TABLE = [_strip_marks(c) if unicodedata.decomposition(c) or c in "đĐ\u201c\u201d\u2018\u2019"
               or "\u0300" <= c <= "\u036f" else c for c in map(chr, range(0x2070))]


def fold(text: str) -> str:
    """Search key: marks stripped, đ folded to d, lowercased. For NFC text every character maps
    to exactly one, so positions in the folded text are positions in the original."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _NOT_BY_TABLE.search(text):
        return _strip_marks(text).lower()
    return text.translate(_FOLD_TABLE).lower()


def has_diacritics(text: str) -> bool:
    return fold(text) != unicodedata.normalize("NFC", text).translate(_QUOTES).lower()
