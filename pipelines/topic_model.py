"""A small learned model beside the phrase rules: one linear classifier per topic over word n-grams.

Phrase rules miss coverage that names its subject in other words ("trao Huy hiệu" is in the rules,
"lễ trao tặng huy hiệu 45 năm tuổi Đảng" is; a report on "rà soát quy hoạch cấp ủy" is not). A
logistic regression per topic, trained on the labelled examples that ship with the taxonomy, recovers
much of that recall at no cost in precision on texts it never saw (see benchmarks/eval_tagging.py).
It stays explainable: the n-grams of the text that pushed a topic's score most are its evidence.

Trained on first use (a few hundred examples: well under a second), so a user who edits the examples
or the taxonomy gets a model that matches them, no generated file is kept, and commands that only read
topic names (search, digest) never import scikit-learn or train.
"""

import re
import threading
import zlib
from array import array
from dataclasses import dataclass
from itertools import repeat

import numpy as np

from portalwatch.core.normalize import normalize_text

# A topic with fewer positive examples than this gets no model: the rules alone decide it.
MIN_POSITIVES = 5
# Chosen by 5-fold cross-validation on the training examples (regularisation 1–30, unigrams or
# bigrams, thresholds 0.4–0.6): bigrams and C=10 were best or tied at every threshold.
_C = 10.0
EVIDENCE_TERMS = 5
# What a text is about shows in its title and first paragraphs; reading no further than this keeps the
# cost of a very long page (a plan, a report) bounded.
READ_CHARACTERS = 2000
_WORD = re.compile(r"\w\w+")


@dataclass(frozen=True)
class Example:
    title: str
    text: str
    topics: tuple[str, ...]
    section: str = ""


@dataclass(frozen=True)
class Learned:
    probability: float
    terms: list[str]  # the text's n-grams that weighed most for the topic, strongest first


def read(text: str) -> str:
    """A text as the tagger reads it, phrases and model alike: normalised and lowercased."""
    return normalize_text(text).lower()


def model_text(*parts: str) -> str:
    """What the model reads: title, section and text, each as `read` gives it, one per line."""
    return "\n".join(parts)


def _gram_hashes(text: str) -> tuple[list[str], "array[int]"]:
    """The text's words (syllables, in Vietnamese), and the CRC-32 of each word then of each pair of
    neighbouring ones ("word next"): the same in every process, unlike Python's str hash.

    A pair's CRC continues its first word's over the space and the next word (zlib.crc32 takes a running
    value), so no pair is joined into a string or encoded: every step is a C call over the whole list.
    The CRCs go straight into an unsigned 32-bit array, which numpy reads without converting each int.
    """
    words = _WORD.findall(text)
    encoded = list(map(str.encode, words))
    crcs = array("I", map(zlib.crc32, encoded))
    crcs.extend(map(zlib.crc32, encoded[1:], map(zlib.crc32, repeat(b" "), crcs)))
    return words, crcs


def _gram(words: list[str], position: int) -> str:
    """The n-gram at a position of _gram_hashes's list: a word, or a pair after all the words."""
    if position < len(words):
        return words[position]
    return f"{words[position - len(words)]} {words[position - len(words) + 1]}"


@dataclass(frozen=True)
class _Fitted:
    topic_ids: list[str]
    # Features are looked up by a binary search in C over a small sorted array instead of a dict probe per
    # n-gram (the probes, cold in cache between pages, were most of the model's cost; measured again with
    # the whole pipeline around them: a dict is slower).
    # Sorted CRC-32s of the n-grams the model knows; a hash's position is its feature's row in idf and weights.
    hashes: np.ndarray
    idf: np.ndarray
    weights: np.ndarray  # features × topics
    biases: np.ndarray


class TopicModel:
    def __init__(self, examples: list[Example], topic_ids: list[str], threshold: float) -> None:
        self.threshold = threshold
        self._examples = examples
        # A topic needs positives to learn from and negatives to tell them from.
        self.topic_ids = [t for t in topic_ids if MIN_POSITIVES <= sum(t in e.topics for e in examples) < len(examples)]
        self._fitted: _Fitted | None = None
        self._lock = threading.Lock()

    def _fit(self) -> _Fitted:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from threadpoolctl import threadpool_limits

        examples, topic_ids = self._examples, self.topic_ids
        vectorizer = TfidfVectorizer(analyzer=lambda text: _gram_hashes(text)[1], min_df=2,
                                     sublinear_tf=True, dtype=np.float32)
        try:
            # In float64, liblinear's type: LogisticRegression would otherwise convert a copy for every topic.
            matrix = vectorizer.fit_transform([model_text(read(e.title), read(e.section), read(e.text))
                                               for e in examples]).astype(np.float64)
        except ValueError:  # no word occurs in two examples: nothing to learn from
            topic_ids, matrix = [], None
        # (n-gram hash, feature column). scikit-learn numbers the features in the sorted order of their
        # keys, so the columns come out as 0, 1, 2…: taking idf and weight rows by column changes nothing,
        # and no column array is kept or looked up per n-gram.
        known = sorted(getattr(vectorizer, "vocabulary_", {}).items())
        columns = np.array([c for _, c in known], dtype=np.int64)
        weights, biases = [], []
        # liblinear's solver calls BLAS (dot products, norms) thousands of times on vectors as long as the
        # vocabulary; OpenBLAS splits each call over its threads, and waking and waiting for them cost about
        # four times the work itself (≈1.2 s of CPU against 0.3 s on 2 cores). One thread: the same weights
        # (bit for bit here), and a model that no longer depends on the machine's number of cores.
        with threadpool_limits(limits=1, user_api="blas"):
            for topic_id in topic_ids:
                labels = np.array([topic_id in e.topics for e in examples])
                # liblinear: exact and quick on a few hundred documents; fixed seed: the same model every time.
                # Far more n-grams than examples: the dual problem is the smaller one (a quarter of the time).
                fitted = LogisticRegression(C=_C, class_weight="balanced", solver="liblinear", dual=True,
                                            random_state=0)
                fitted.fit(matrix, labels)
                weights.append(fitted.coef_[0])
                biases.append(fitted.intercept_[0])
        idf = getattr(vectorizer, "idf_", np.zeros(0)).astype(np.float32)[columns]
        return _Fitted(
            topic_ids=topic_ids, hashes=np.array([h for h, _ in known], dtype=np.uint32), idf=idf,
            # One dense product scores every topic at once.
            weights=np.array(weights, dtype=np.float32).T[columns] if weights else np.zeros((len(idf), 0), np.float32),
            biases=np.array(biases, dtype=np.float32))

    def fitted(self) -> _Fitted:
        if self._fitted is None:
            with self._lock:  # flows may tag from several threads: train once
                if self._fitted is None:
                    self._fitted = self._fit()
        return self._fitted

    def predict(self, normalised: str) -> dict[str, Learned]:
        """Topics whose probability reaches the threshold, each with the terms that weighed most.

        `normalised` is the text as `model_text` joins it. The tf-idf row is computed here rather than
        by the vectoriser: the same numbers at a fraction of the cost for one document at a time.
        """
        if not self.topic_ids:
            return {}
        model = self.fitted()
        words, crcs = _gram_hashes(normalised[:READ_CHARACTERS])
        hashes = np.frombuffer(crcs, dtype=np.uint32)
        # Each distinct n-gram once, with its count, in hash order: looking up sorted hashes reads the
        # model's array in one sweep, and the known ones come out in feature order (a hash's position).
        grams, counts = np.unique(hashes, return_counts=True)
        at = np.minimum(np.searchsorted(model.hashes, grams), len(model.hashes) - 1)
        known = model.hashes[at] == grams  # n-grams the examples never used twice carry no weight
        index, counts = at[known], counts[known]
        if not index.size:
            return {}
        values = (1.0 + np.log(counts, dtype=np.float32)) * model.idf[index]
        values /= np.linalg.norm(values)
        rows = model.weights[index]
        probabilities = 1.0 / (1.0 + np.exp(-(values @ rows + model.biases)))
        found = {}
        for column in np.flatnonzero(probabilities >= self.threshold):
            contributions = values * rows[:, column]
            strongest = np.argsort(-contributions)[:EVIDENCE_TERMS]
            # Each term as the text first shows it.
            terms = [_gram(words, int(np.argmax(hashes == model.hashes[index[i]]))) for i in strongest
                     if contributions[i] > 0]
            found[model.topic_ids[column]] = Learned(float(probabilities[column]), terms)
        return found
