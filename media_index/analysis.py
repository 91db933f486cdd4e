"""Text analysis for the library index: one analyzer per content language.

English, French and Spanish use Whoosh's Snowball stemmers with stop words and
accent folding applied *after* stemming. Snowball relies on accents to find
suffixes ("électricité" -> "électr", but "electricite" -> "electricit"), so the
stem-and-fold filter emits, for an accented word, the folded stem of the word
and the folded stem of its unaccented spelling at the same position. A query
typed with or without accents therefore shares at least one term with the
text, whichever way the text was written.

Japanese has no spaces between words: runs of kana and kanji are indexed as
overlapping character bigrams, other runs as lowercase words.
"""

from __future__ import annotations

import re

from whoosh.analysis import (
    Analyzer,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
    Token,
    Tokenizer,
)
from whoosh.lang import stemmer_for_language, stopwords_for_language
from whoosh.support.charset import accent_map

LANGUAGES = ("en", "fr", "es", "ja")
STEMMED_LANGUAGES = ("en", "fr", "es")

# Apostrophes split words, so elided articles ("l'eau", "d'énergie") and the
# English possessive become one-letter tokens that carry no meaning.
_EXTRA_STOPS = {
    "en": {"s", "t"},
    "fr": {"c", "d", "j", "l", "m", "n", "qu", "s", "t"},
    "es": set(),
}
WORD_PATTERN = r"\w+(?:\.\w+)*"
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_JA_TOKEN = re.compile(f"[{_CJK}]+|[^\\W{_CJK}]+")


def fold(text: str) -> str:
    """Return lowercase ``text`` with accents removed ("électricité" -> "electricite")."""
    return text.translate(accent_map)


def stopwords(lang: str) -> frozenset[str]:
    """Stop words for ``lang``, in their accented and folded spellings."""
    if lang not in STEMMED_LANGUAGES:
        return frozenset()
    words = set(stopwords_for_language(lang)) | _EXTRA_STOPS[lang]
    return frozenset(words | {fold(w) for w in words})


class StemFoldFilter(Filter):
    """Snowball-stem each token, then fold accents (see module docstring)."""

    def __init__(self, lang: str, cachesize: int = 100_000):
        self.lang = lang
        self.cachesize = cachesize
        self._setup()

    def _setup(self) -> None:
        self._stem = stemmer_for_language(self.lang)
        self._cache: dict[str, tuple[str, ...]] = {}

    def __getstate__(self):
        return {"lang": self.lang, "cachesize": self.cachesize}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._setup()

    def __eq__(self, other):
        return type(other) is type(self) and other.lang == self.lang

    def __hash__(self):
        return hash((type(self), self.lang))

    def variants(self, word: str) -> tuple[str, ...]:
        """The index terms for one lowercase ``word`` (one or two)."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        primary = fold(self._stem(word))
        plain = fold(word)
        alt = fold(self._stem(plain)) if plain != word else primary
        result = (primary,) if alt == primary else (primary, alt)
        if len(self._cache) >= self.cachesize:
            self._cache.clear()
        self._cache[word] = result
        return result

    def __call__(self, tokens):
        for t in tokens:
            if t.stopped:
                yield t
                continue
            for text in self.variants(t.text):
                t.text = text
                yield t


class CJKBigramTokenizer(Tokenizer):
    """Split kana/kanji runs into overlapping bigrams, other runs into words."""

    def __eq__(self, other):
        return type(other) is type(self)

    def __hash__(self):
        return hash(type(self))

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True,
                 mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        spans = self._spans(value) if tokenize else [(0, len(value))]
        for start, end in spans:
            t.text = value[start:end]
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = t.text
            if positions:
                t.pos = pos
            if chars:
                t.startchar, t.endchar = start_char + start, start_char + end
            pos += 1
            yield t

    @staticmethod
    def _spans(value: str):
        for match in _JA_TOKEN.finditer(value):
            start, end = match.span()
            if not _CJK_RUN.fullmatch(match.group(0)) or end - start == 1:
                yield start, end
                continue
            for i in range(start, end - 1):
                yield i, i + 2


class FoldFilter(Filter):
    """Fold accents on every token."""

    def __eq__(self, other):
        return type(other) is type(self)

    def __hash__(self):
        return hash(type(self))

    def __call__(self, tokens):
        for t in tokens:
            t.text = fold(t.text)
            yield t


def language_analyzer(lang: str):
    """The analyzer for content written in ``lang`` (en, fr, es or ja)."""
    if lang == "ja":
        return CJKBigramTokenizer() | LowercaseFilter()
    return SnowballFoldAnalyzer(lang)


def composed_language_analyzer(lang: str):
    """`SnowballFoldAnalyzer` written as a chain of Whoosh filters (the reference)."""
    return (
        RegexTokenizer(WORD_PATTERN)
        | LowercaseFilter()
        | StopFilter(stoplist=stopwords(lang), minsize=1)
        | StemFoldFilter(lang)
    )


class SnowballFoldAnalyzer(Analyzer):
    """Words, lowercased, stop words removed, stemmed then accent-folded.

    Produces exactly the tokens of `composed_language_analyzer` in one loop:
    the chain of four generators per token was about half of indexing time.
    """

    def __init__(self, lang: str):
        self.lang = lang
        self._setup()

    def _setup(self) -> None:
        self._pattern = re.compile(WORD_PATTERN)
        self._stops = stopwords(self.lang)
        self._variants = StemFoldFilter(self.lang).variants

    def __getstate__(self):
        return {"lang": self.lang}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._setup()

    def __eq__(self, other):
        return type(other) is type(self) and other.lang == self.lang

    def __hash__(self):
        return hash((type(self), self.lang))

    def __repr__(self):
        return f"SnowballFoldAnalyzer({self.lang!r})"

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        matches = self._words(value, tokenize)
        pos = None  # as StopFilter(renumber=True): kept words are numbered on
        for index, match in enumerate(matches):
            original = match.group()
            word = original.lower()
            t.boost = 1.0
            if keeporiginal:
                t.original = original
            if chars:
                t.startchar, t.endchar = start_char + match.start(), start_char + match.end()
            if word in self._stops:
                if not removestops:
                    t.text, t.stopped = word, True
                    if positions:
                        t.pos = start_pos + index
                    yield t
                continue
            t.stopped = False
            if positions:
                pos = start_pos + index if pos is None else pos + 1
                t.pos = pos
            for text in self._variants(word):
                t.text = text
                yield t


    def _words(self, value: str, tokenize: bool):
        """The value's words, or the whole value as one (``tokenize=False``)."""
        return self._pattern.finditer(value) if tokenize else [_Whole(value)]


class _Whole:
    """A regex-match lookalike covering a whole untokenized value."""

    def __init__(self, value: str):
        self._value = value

    def group(self) -> str:
        return self._value

    def start(self) -> int:
        return 0

    def end(self) -> int:
        return len(self._value)


def word_analyzer():
    """Lowercase, accent-folded, unstemmed words: type-ahead on titles."""
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | FoldFilter()


def spelling_analyzer():
    """Lowercase words, accents kept: the vocabulary "did you mean" draws on."""
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter()


def analyze(analyzer, text: str) -> list[tuple[int, str]]:
    """(position, term) pairs for ``text``, stop words removed."""
    return [(t.pos, t.text) for t in analyzer(text, positions=True) if not t.stopped]


_GUESS_WORDS = 5_000
_WORD_RE = re.compile(WORD_PATTERN)
_OWN_STOPS: dict[str, frozenset[str]] = {}


def _own_stopwords(lang: str) -> frozenset[str]:
    """Stop words of ``lang`` that are no stop word of the other stemmed languages."""
    if not _OWN_STOPS:
        for code in STEMMED_LANGUAGES:
            others = set().union(*(stopwords(o) for o in STEMMED_LANGUAGES if o != code))
            _OWN_STOPS[code] = stopwords(code) - others
    return _OWN_STOPS[lang]


def guess_language(text: str, default: str | None = None) -> str | None:
    """The stemmed language (en, fr, es) whose own stop words ("the", "les", "los") are the
    most frequent in the first words of ``text``; ``default`` when too few are found or two
    languages come close (a document's language, when nobody said which it is)."""
    words = _WORD_RE.findall(text[:_GUESS_WORDS * 12].lower())[:_GUESS_WORDS]
    counts = sorted(((sum(1 for w in words if w in _own_stopwords(lang)), lang)
                     for lang in STEMMED_LANGUAGES), reverse=True)
    (best, lang), (second, _) = counts[0], counts[1]
    if best < 3 or best < 1.5 * second:
        return default
    return lang
