"""A small model is shown how to fit on one table and predict another that lacks its target.

Qwen2.5-Coder-1.5B, asked to train on train.csv and predict every row of test.csv, wrote
`test_df['label'] = le.transform(test_df['label'])` (test.csv has no `label`), predicted its
own validation split instead of test.csv, and sent that program again five times though told
test.csv has no `label` (bench/README.md, train-classifier). The listing it is shown already
holds both headers: a table with all but one of another's columns is the one to predict.
"""

from __future__ import annotations

import re

from configs.suggested_paths import python_heredoc
from configs.table_headers import table_headers

FIT_EXAMPLE = (
    "{test} has the columns of {train} but `{target}`: to predict `{target}` for {test}, fit "
    "on {train} and predict {test} (RandomForestRegressor for a number), with: "
)
# Shown `<a scikit-learn model>.fit(...)`, it ran that placeholder as code; told only how to
# write a file, it wrote every column with header=False (train-classifier): the example names
# a model and ends with the file, the row's id and the prediction under a header. With the
# model's import second, after pandas', it left that line out (a NameError, five times). The
# cross-validated score is printed as the estimate of the accuracy a request may ask for (the
# model still answers with the note's last line after saving the file: bench/README.md).
_COLUMN = re.compile(r"[A-Za-z_][\w .-]*")  # a name that is plain code inside quotes
_ROW_ID = re.compile(r"(?:^|_)id$", re.I)  # a row's name, not a feature


def fit_example(files: str) -> str | None:
    """For the first pair of tables in `files` (the workspace listing) where one has all the
    columns of the other but one, the program that fits on the fuller and predicts the other;
    None when there is no such pair."""
    headers = table_headers(files)
    for train, columns in headers.items():
        for test, shared in headers.items():
            missing = [c for c in columns if c not in shared]
            if test == train or len(missing) != 1 or not set(shared) < set(columns):
                continue
            features = [c for c in shared if not _ROW_ID.search(c)]
            if features and all(_COLUMN.fullmatch(c) for c in columns):
                ids = [c for c in shared if _ROW_ID.search(c)]
                return _example(train, test, missing[0], features, ids)
    return None


def _example(train: str, test: str, target: str, features: list[str], ids: list[str]) -> str:
    program = python_heredoc(
        "from sklearn.ensemble import RandomForestClassifier",
        "from sklearn.model_selection import cross_val_score",
        "import pandas as pd",
        f"train = pd.read_csv('{train}')",
        f"test = pd.read_csv('{test}')",
        f"features = {features!r}",
        "model = RandomForestClassifier(random_state=0)",
        f"scores = cross_val_score(model, train[features], train['{target}'], cv=5)",
        "print('cross-validated score on the training table:', scores.mean())",
        f"model.fit(train[features], train['{target}'])",
        f"test['{target}'] = model.predict(test[features])",
        f"test[{[*ids, target]!r}].to_csv('NAME', index=False)",
    )
    return FIT_EXAMPLE.format(train=train, test=test, target=target) + program
