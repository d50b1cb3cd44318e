"""Trains the baseline classifier on the prepared table and saves it."""

import os
import pickle
import sys

import pandas as pd
from features import top_words
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split


def main(table_path: str) -> None:
    table = pd.read_csv(table_path)
    x = table[["n_chars", "n_words", "log_chars"]]
    x_train, x_test, y_train, y_test = train_test_split(x, table["label"], random_state=0)
    model = LogisticRegression(max_iter=1000).fit(x_train, y_train)
    print("accuracy", model.score(x_test, y_test), "top words", top_words(table["text"])[:5])
    os.makedirs("models", exist_ok=True)
    with open("models/baseline.pkl", "wb") as handle:
        pickle.dump(model, handle)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "table.csv")
