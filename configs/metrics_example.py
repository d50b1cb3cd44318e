"""A small model is shown how to score a table of true values and predictions.

Qwen2.5-Coder-1.5B, asked for the F1 score and the confusion matrix [[TN, FP], [FN, TP]] of
predictions.csv, wrote its own sklearn program; in two runs of six it passed
`normalize='true'` and saved fractions where counts were asked (bench/README.md,
f1-confusion). The listing it is shown holds the header: a table with a column of truths and
one of predictions gets the program that prints both as counts.
"""

from __future__ import annotations

from configs.suggested_paths import python_heredoc
from configs.table_headers import table_headers

METRICS_EXAMPLE = (
    "{table} holds true values (`{truth}`) and predictions (`{predicted}`): to score them (set "
    "pos_label to the positive class; the matrix holds counts, a row per true class and a "
    "column per predicted one), with: "
)
# Its first form printed `confusion matrix, counts (rows true, columns predicted): ...`, and
# the model saved that label as the JSON key (f1-confusion): each value is printed under the
# name of the function that computed it.
TRUTH = ("label", "labels", "target", "y_true", "true", "truth", "gold", "actual")
PREDICTED = ("prediction", "predictions", "pred", "preds", "predicted", "y_pred")


def metrics_example(files: str) -> str | None:
    """For the first table in `files` (the workspace listing) with a column of truths and one
    of predictions, the program that scores them; None when there is none."""
    for table, columns in table_headers(files).items():
        truth = next((c for c in columns if c.lower() in TRUTH), None)
        predicted = next((c for c in columns if c.lower() in PREDICTED), None)
        if truth and predicted:
            return _example(table, truth, predicted)
    return None


def _example(table: str, truth: str, predicted: str) -> str:
    pair = f"df['{truth}'], df['{predicted}']"
    program = python_heredoc(
        "from sklearn.metrics import confusion_matrix, f1_score",
        "import pandas as pd",
        f"df = pd.read_csv('{table}')",
        f"print('f1:', f1_score({pair}, pos_label=1))",
        f"print('confusion_matrix:', confusion_matrix({pair}).tolist())",
    )
    return METRICS_EXAMPLE.format(table=table, truth=truth, predicted=predicted) + program
