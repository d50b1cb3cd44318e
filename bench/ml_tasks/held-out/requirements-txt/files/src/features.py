"""Feature helpers shared by prepare.py and train.py."""

import re
from collections import Counter

import numpy as np


def add_length_features(table):
    table = table.copy()
    table["n_chars"] = table["text"].str.len()
    table["n_words"] = table["text"].map(lambda t: len(re.findall(r"\w+", t)))
    table["log_chars"] = np.log1p(table["n_chars"])
    return table


def top_words(texts, k=20):
    return Counter(w for t in texts for w in re.findall(r"\w+", t.lower())).most_common(k)
