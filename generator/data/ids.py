"""Readable ASCII ids from names in any script: the file names of accounts and deals.

An id is what a rep types and sees in a path, so it is read aloud, not encoded: Chinese by
pinyin, Latin letters without their accents, Cyrillic, Greek and Korean by a transliteration
table. A name in another script (Arabic, Thai, emoji...) gets a short hash of its text, stable
from run to run, so it never becomes a generic word or an empty id. ASCII names give exactly the
ids they always gave. The rules are written out in the README ("How ids are made").
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator

MAX_ID_LENGTH = 60
"""An id is cut to this many characters (a file name a person can still read)."""

HASH_PREFIX = "x-"
_HASH_DIGITS = 6
_NOT_ID = re.compile(r"[^a-z0-9._]+")
_HAN = re.compile(r"[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
_SYLLABLE = re.compile(r"[a-z]+")

LATIN = {
    "ß": "ss",
    "ẞ": "ss",
    "æ": "ae",
    "œ": "oe",
    "ø": "o",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "ı": "i",
    "ŋ": "ng",
    "ħ": "h",
    "ŧ": "t",
}
"""Latin letters that carry no accent to drop: written as their usual ASCII spelling."""


def _spelled(letters: str, spellings: str) -> dict[str, str]:
    """A transliteration table: each letter with its spelling (`-` for none)."""
    return dict(zip(letters, spellings.split(), strict=True))


CYRILLIC = _spelled(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґўјљњћђџѓќѕ",
    "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya "
    "i yi ye g u j lj nj c dj dz g k dz",
)
"""Russian, Ukrainian, Belarusian and South Slavic letters (the hard and soft signs vanish)."""

GREEK = _spelled(
    "αβγδεζηθικλμνξοπρσςτυφχψω", "a v g d e z i th i k l m n x o p r s s t y f ch ps o"
)
"""Greek letters, accents dropped first (ά is α)."""

_HANGUL_FIRST = "g kk n d tt r m b pp s ss - j jj ch k t p h"
_HANGUL_VOWEL = "a ae ya yae eo e yeo ye o wa wae oe yo u wo we wi yu eu ui i"
_HANGUL_LAST = "- k k k n n n t l k m l l l p l m p p t t ng t t k t p t"


def readable_id(text: str) -> str:
    """A readable id made from any name: lower case ASCII, words joined by `-`, at most
    MAX_ID_LENGTH characters; empty only for a blank name."""
    if text.isascii():
        ascii_id = _ascii_slug(text)
        return ascii_id if ascii_id or not text.strip() else name_hash(text)
    name = unicodedata.normalize("NFC", text).strip()
    if not name:
        return ""
    words, readable = _transliterate(name)
    if readable and (words_id := _words_slug(words, MAX_ID_LENGTH)):
        return words_id
    words_id = _words_slug(words, MAX_ID_LENGTH - len(HASH_PREFIX) - _HASH_DIGITS - 1)
    return f"{words_id}-{name_hash(name)}" if words_id else name_hash(name)


def name_hash(name: str) -> str:
    """The id of a name nothing can be read from: `x-` and the start of its NFC text's SHA-256."""
    digest = hashlib.sha256(unicodedata.normalize("NFC", name).encode("utf-8")).hexdigest()
    return f"{HASH_PREFIX}{digest[:_HASH_DIGITS]}"


def _ascii_slug(text: str) -> str:
    """The id of an ASCII text: lower case, every run of other characters a single `-`."""
    cut = _NOT_ID.sub("-", text.lower()).strip("-._")[:MAX_ID_LENGTH]
    return cut.strip("-._")


def _words_slug(words: str, limit: int) -> str:
    """The id of transliterated words, cut after the last whole word that fits in `limit`."""
    full = _NOT_ID.sub("-", words.lower()).strip("-._")
    if len(full) <= limit:
        return full
    cut = full[: limit + 1]
    cut = cut[: cut.rindex("-")] if "-" in cut else cut[:limit]
    return cut.strip("-._")


def _transliterate(name: str) -> tuple[str, bool]:
    """The name in ASCII words (separators between them), and whether every letter and digit
    in it could be read."""
    pieces: list[str] = []
    readable = True
    position = 0
    for match in _HAN.finditer(name):
        text, ok = _alphabetic(name[position : match.start()])
        words, han_ok = _pinyin(match.group())
        pieces += [text, " ", words, " "]
        readable = readable and ok and han_ok
        position = match.end()
    text, ok = _alphabetic(name[position:])
    pieces.append(text)
    return "".join(pieces), readable and ok


def _alphabetic(text: str) -> tuple[str, bool]:
    """Letters of alphabets, one by one: ASCII as it is, accents dropped, tables for the rest;
    a letter no table knows becomes a separator and makes the name unreadable."""
    out: list[str] = []
    readable = True
    for char in text:
        if char.isascii():
            out.append(char)
            continue
        spelled = _letter(char)
        if spelled is None:
            readable = readable and not char.isalnum()
            out.append(" ")
        else:
            out.append(spelled)
    return "".join(out), readable


def _letter(char: str) -> str | None:
    """The ASCII spelling of one non-ASCII character, or None when there is none."""
    if "\uac00" <= char <= "\ud7a3":
        return _hangul(char)
    lower = char.lower()
    if lower in LATIN:
        return LATIN[lower]
    if (digit := unicodedata.decimal(char, None)) is not None:
        return str(digit)
    base = "".join(
        part for part in unicodedata.normalize("NFKD", lower) if not unicodedata.combining(part)
    )
    if not base:
        return ""  # a lone accent
    if base.isascii():
        return base
    spelled = [CYRILLIC.get(part) or GREEK.get(part) or LATIN.get(part) or "" for part in base]
    return "".join(spelled).replace("-", "") if all(spelled) else None


def _hangul(char: str) -> str:
    """A Korean syllable in the Revised Romanization (each syllable on its own)."""
    index = ord(char) - 0xAC00
    first, rest = divmod(index, 21 * 28)
    vowel, last = divmod(rest, 28)
    parts = (_HANGUL_FIRST, first), (_HANGUL_VOWEL, vowel), (_HANGUL_LAST, last)
    spelled = "".join(table.split()[index] for table, index in parts)
    return spelled.replace("-", "")


def _pinyin(han: str) -> tuple[str, bool]:
    """A run of Chinese characters in pinyin words separated by `-`; whether pypinyin could
    read every character."""
    from pypinyin import Style, lazy_pinyin

    words: list[str] = []
    readable = True
    for word in _chinese_words(han):
        syllables = lazy_pinyin(word, style=Style.NORMAL)
        readable = readable and all(_SYLLABLE.fullmatch(s) for s in syllables)
        words.append("".join(s for s in syllables if _SYLLABLE.fullmatch(s)))
    return "-".join(word for word in words if word), readable


def _chinese_words(han: str) -> list[str]:
    """The words of a run of Chinese characters: those of pypinyin's phrase dictionary
    (上海, 银行), characters between them two by two (测试), four or more cut in pairs
    (有限公司 is 有限 公司); a lone character joins a two-character word beside it (服务器)."""
    from pypinyin.seg.mmseg import seg

    chunks: list[str] = []
    singles = ""
    for word in [*seg.cut(han), ""]:
        if len(word) == 1:
            singles += word
            continue
        chunks += [*_pairs(singles), *_pairs(word)]
        singles = ""
    words: list[str] = []
    for chunk in filter(None, chunks):
        if words and sorted((len(words[-1]), len(chunk))) == [1, 2]:
            words[-1] += chunk
        else:
            words.append(chunk)
    return words


def _pairs(word: str) -> Iterator[str]:
    """`word` in pairs of characters when it has four or more, the odd one at the end kept
    with the last pair; a word of one to three characters whole."""
    if len(word) < 4:
        if word:
            yield word
        return
    ends = list(range(2, len(word) - 1, 2))
    starts = [0, *ends]
    for start, end in zip(starts, [*ends, len(word)], strict=True):
        yield word[start:end]
