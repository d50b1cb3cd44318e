"""Ordinary requests, by kind, with the rules for weaker models that should fire on each.

Each item is a request, its small workspace (files as a dict), and what a plausible model
does: its steps (tool calls, then its answer). `fires` is the set of rules
(adaptations/registry.py) that should act on it: usually none. Written by kind (questions
about code, how-to and knowledge questions, configs with numbers, edits asked for, polling a
growing log, files named but not to be changed, tables beside unrelated requests), not from
benchmark tasks. tests/adaptations/test_trigger_corpus.py runs each through the graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Step:
    """One model reply: its tool calls, or (without calls) its answer; `grows` is what the
    workspace's files gain before the model is asked for it (a training run writing on)."""

    calls: tuple[dict[str, Any], ...] = ()
    text: str = ""
    grows: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Item:
    name: str
    kind: str
    request: str
    files: dict[str, str]
    steps: tuple[Step, ...]
    fires: frozenset[str] = frozenset()


def call(tool: str, **args: Any) -> dict[str, Any]:
    return {"name": tool, "arguments": args}


def do(*calls: dict[str, Any], grows: dict[str, str] | None = None) -> Step:
    return Step(calls=calls, grows=grows or {})


def say(text: str) -> Step:
    return Step(text=text)


def read(path: str) -> Step:
    return do(call("read", path=path))


def bash(command: str, grows: dict[str, str] | None = None) -> Step:
    return do(call("bash", command=command), grows=grows)


def edit(path: str, old: str, new: str) -> Step:
    return do(call("edit", path=path, old_str=old, new_str=new))


def write(path: str, content: str) -> Step:
    return do(call("write", path=path, content=content))


def item(
    name: str,
    kind: str,
    request: str,
    files: dict[str, str],
    *steps: Step,
    fires: set[str] | None = None,
) -> Item:
    return Item(name, kind, request, files, steps, frozenset(fires or ()))


TRAIN_PY = (
    "import torch\n\n"
    "def train(model, loader, epochs=3, lr=2e-4):\n"
    "    opt = torch.optim.AdamW(model.parameters(), lr=lr)\n"
    "    for epoch in range(epochs):\n"
    "        for batch in loader:\n"
    "            loss = model(**batch).loss\n"
    "            loss.backward()\n"
    "            opt.step()\n"
    "            opt.zero_grad()\n"
)
UTILS_PY = (
    "def normalize(xs):\n"
    "    total = sum(xs)\n"
    "    return [x / total for x in xs]\n\n"
    "def mean(xs):\n"
    "    return sum(xs) / max(len(xs), 1)\n"
)
DATA_CSV = "text,label\ngreat movie,pos\nawful plot,neg\nfine acting,pos\nboring,neg\n"
SALES_CSV = "region,month,revenue\nnorth,jan,1200\nsouth,jan,900\nnorth,feb,1350\n"
CONFIG_YAML = (
    "model: Qwen/Qwen2.5-0.5B\nlearning_rate: 0.0002\nbatch_size: 8\nepochs: 3\n"
    "warmup_ratio: 0.03\nlora_r: 16\n"
)
README = "# sentiment\n\nFine-tunes a small model on data.csv. Run `python train.py`.\n"
GIT_LOG = "commit 3f1c2e9\n    Lower the learning rate to 2e-4\n"
LOG_START = "step 10 loss 2.31\nstep 20 loss 2.05\n"

CODE_QUESTIONS = [
    item(
        "why-drop-rows",
        "question about code",
        "Why does train.py skip rows whose label is empty?",
        {"train.py": TRAIN_PY, "data.csv": DATA_CSV},
        read("train.py"),
        say("It has no such check: every row of the list it trains on is used."),
    ),
    item(
        "columns-in-loader",
        "question about code",
        "Which columns of the table does utils.py expect?",
        {"utils.py": UTILS_PY, "data.csv": DATA_CSV},
        read("utils.py"),
        say("utils.py reads no table: it has `mean` and `normalize` over lists."),
    ),
    item(
        "explain-last-change",
        "question about code",
        "Can you explain the last change to train.py?",
        {"train.py": TRAIN_PY, "CHANGES.md": GIT_LOG},
        read("train.py"),
        read("CHANGES.md"),
        say(
            "The last change lowered the learning rate passed to AdamW to 2e-4; the loop is "
            "otherwise the same."
        ),
    ),
    item(
        "patch-look-right",
        "question about code",
        "Does the patch in utils.py look right to you?",
        {"utils.py": UTILS_PY},
        read("utils.py"),
        say(
            "Mostly: `mean` guards against an empty list, but `normalize` divides by zero "
            "when the values sum to zero. I would add a guard there too."
        ),
    ),
    item(
        "what-does-function-do",
        "question about code",
        "What does normalize() in utils.py do?",
        {"utils.py": UTILS_PY},
        read("utils.py"),
        say("It divides each value by the sum of all values, so the results add up to one."),
    ),
    item(
        "why-loss-backward",
        "question about code",
        "Why does train.py call zero_grad after step instead of before backward?",
        {"train.py": TRAIN_PY},
        read("train.py"),
        say(
            "Both orders work: gradients only need clearing between one step and the next "
            "backward pass. Clearing after the step keeps them at zero when the loop starts."
        ),
    ),
    item(
        "is-there-a-bug",
        "question about code",
        "Is there a bug in the training loop in train.py?",
        {"train.py": TRAIN_PY},
        read("train.py"),
        say(
            "I see no bug: it computes the loss, backpropagates, steps and clears the "
            "gradients. It never calls model.train(), which matters only with dropout."
        ),
    ),
    item(
        "review-diff",
        "question about code",
        "Could you review the change I made in utils.py and tell me if mean() is correct?",
        {"utils.py": UTILS_PY},
        read("utils.py"),
        say(
            "mean() is correct, and max(len(xs), 1) keeps an empty list from dividing by "
            "zero (it returns 0 then)."
        ),
    ),
    item(
        "where-is-lr-set",
        "question about code",
        "Where is the learning rate set in train.py?",
        {"train.py": TRAIN_PY},
        do(call("grep", pattern="lr", path="train.py")),
        say("In the signature of train(), as the default lr=2e-4, passed to AdamW."),
    ),
    item(
        "compare-two-files",
        "question about code",
        "What is the difference between train.py and train_old.py?",
        {"train.py": TRAIN_PY, "train_old.py": TRAIN_PY.replace("2e-4", "1e-3")},
        bash("diff train_old.py train.py"),
        say("Only the default learning rate: train_old.py used 1e-3, train.py uses 2e-4."),
    ),
    item(
        "explain-fix-history",
        "question about code",
        "Who fixed the tokenizer bug in utils.py, and what was the fix?",
        {"utils.py": UTILS_PY, "CHANGES.md": "commit 77aa\n    utils: fix tokenizer split\n"},
        read("CHANGES.md"),
        say(
            "CHANGES.md records a commit 'utils: fix tokenizer split' but not its author; "
            "the current utils.py no longer holds a tokenizer."
        ),
        fires={"unread-files"},  # it speaks of utils.py, unread
    ),
    item(
        "readme-summary",
        "question about code",
        "Summarize what README.md says about running the project.",
        {"README.md": README},
        read("README.md"),
        say("It fine-tunes a small model on data.csv; you run it with `python train.py`."),
    ),
]

HOW_TO = [
    item(
        "save-safetensors",
        "how-to question",
        "How do I save a model to model.safetensors?",
        {"train.py": TRAIN_PY},
        say(
            "Use `from safetensors.torch import save_file` and call "
            "`save_file(model.state_dict(), 'model.safetensors')`."
        ),
    ),
    item(
        "export-csv-pandas",
        "how-to question",
        "Explain how to export the results as results.csv with pandas.",
        {},
        say("Build a DataFrame from the results and call `df.to_csv('results.csv', index=False)`."),
    ),
    item(
        "write-json",
        "how-to question",
        "What is the easiest way to write a dict to metrics.json?",
        {},
        say("`json.dump(metrics, open('metrics.json', 'w'), indent=2)`."),
    ),
    item(
        "load-checkpoint",
        "how-to question",
        "How can I load checkpoint.pt back into the model?",
        {},
        say("`model.load_state_dict(torch.load('checkpoint.pt'))`, then `model.eval()`."),
    ),
    item(
        "push-hub",
        "how-to question",
        "How do I push model.safetensors and config.json to the Hub?",
        {},
        say(
            "Log in with `huggingface-cli login`, then `huggingface-cli upload "
            "user/repo model.safetensors config.json`."
        ),
    ),
    item(
        "should-i-create",
        "how-to question",
        "Should I create a requirements.txt or a pyproject.toml for this project?",
        {"train.py": TRAIN_PY},
        say("A pyproject.toml: it holds the dependencies and the project's metadata."),
    ),
    item(
        "how-to-fix-generally",
        "how-to question",
        "How would you fix a CUDA out-of-memory error in a script like train.py, in general?",
        {"train.py": TRAIN_PY},
        say(
            "Lower the batch size, use gradient accumulation, mixed precision or gradient "
            "checkpointing."
        ),
    ),
    item(
        "tell-me-how-plot",
        "how-to question",
        "Tell me how to plot the loss curve and save it as loss.png.",
        {},
        say("With matplotlib: `plt.plot(steps, losses)`, then `plt.savefig('loss.png')`."),
    ),
    item(
        "explain-dataloader",
        "how-to question",
        "Explain how a DataLoader batches examples.",
        {},
        say(
            "It draws indices from a sampler, groups them by batch_size and stacks the "
            "examples with collate_fn."
        ),
    ),
    item(
        "gitignore-howto",
        "how-to question",
        "How do I keep wandb/ out of git?",
        {},
        say("Add a line `wandb/` to .gitignore."),
    ),
]

KNOWLEDGE = [
    item(
        "batch-size-7b",
        "knowledge question",
        "What batch size fits a 7B model on 24 GB?",
        {},
        say(
            "With LoRA in bf16, a batch size of 16 at 512 tokens fits a 7B model on 24 GB; "
            "full fine-tuning needs about 112 GB, so it does not."
        ),
    ),
    item(
        "lora-rank",
        "knowledge question",
        "What LoRA rank is usual for a 1B model?",
        {},
        say("16 or 32 is usual; alpha is often twice the rank, so 32 or 64."),
    ),
    item(
        "adam-memory",
        "knowledge question",
        "How much memory does Adam need per parameter?",
        {},
        say(
            "Two fp32 states per parameter, 8 bytes, plus 4 for the fp32 master weights: "
            "about 16 bytes with mixed precision."
        ),
    ),
    item(
        "tokens-per-word",
        "knowledge question",
        "How many tokens is a typical English word?",
        {},
        say("About 1.3 tokens per word with a BPE tokenizer."),
    ),
    item(
        "a100-memory",
        "knowledge question",
        "How much memory does an A100 have?",
        {},
        say("40 GB or 80 GB, depending on the model."),
    ),
    item(
        "chinchilla",
        "knowledge question",
        "What does Chinchilla say about tokens per parameter?",
        {},
        say("About 20 tokens per parameter is compute-optimal."),
    ),
    item(
        "warmup-steps",
        "knowledge question",
        "How many warmup steps are typical for fine-tuning?",
        {},
        say("A few percent of training: 100 to 500 steps, or a warmup_ratio of 0.03."),
    ),
    item(
        "context-qwen",
        "knowledge question",
        "What context length does Qwen2.5 support?",
        {},
        say("32768 tokens for most sizes, 131072 with YaRN."),
    ),
]

CONFIGS = [
    item(
        "explain-lr",
        "config with numbers",
        "Is the learning_rate in config.yaml reasonable for LoRA?",
        {"config.yaml": CONFIG_YAML},
        read("config.yaml"),
        say(
            "Yes: learning_rate: 0.0002 is the usual LoRA value; full fine-tuning would use "
            "about 0.00002."
        ),
    ),
    item(
        "set-lr",
        "config with numbers",
        "Set learning_rate to 0.0001 in config.yaml.",
        {"config.yaml": CONFIG_YAML},
        read("config.yaml"),
        edit("config.yaml", "learning_rate: 0.0002", "learning_rate: 0.0001"),
        say("config.yaml now sets learning_rate: 0.0001."),
        fires={"settings-made"},  # the setting asked for is made: it asks for the answer
    ),
    item(
        "write-config",
        "config with numbers",
        "Write a LoRA config for Qwen2.5-0.5B as lora.yaml.",
        {},
        write("lora.yaml", "r: 16\nalpha: 32\ndropout: 0.05\nlearning_rate: 0.0002\n"),
        say("Wrote lora.yaml with r 16, alpha 32, dropout 0.05 and learning rate 0.0002."),
    ),
    item(
        "config-for-data",
        "config with numbers",
        "Write train_config.json for fine-tuning a classifier on data.csv.",
        {"data.csv": DATA_CSV},
        write(
            "train_config.json",
            '{"learning_rate": 0.0002, "num_train_epochs": 3, "per_device_train_batch_size": 16}',
        ),
        say("Wrote train_config.json: learning rate 0.0002, 3 epochs, batch size 16."),
    ),
    item(
        "write-json-config",
        "config with numbers",
        "Create training_args.json with settings for a quick test run.",
        {},
        write(
            "training_args.json",
            '{"max_steps": 50, "learning_rate": 0.0002, "per_device_train_batch_size": 4}',
        ),
        say("Created training_args.json: 50 steps, learning rate 0.0002, batch size 4."),
    ),
    item(
        "what-batch-size",
        "config with numbers",
        "What batch size does config.yaml use?",
        {"config.yaml": CONFIG_YAML},
        read("config.yaml"),
        say("batch_size: 8."),
    ),
    item(
        "double-epochs",
        "config with numbers",
        "Double the number of epochs in config.yaml.",
        {"config.yaml": CONFIG_YAML},
        read("config.yaml"),
        edit("config.yaml", "epochs: 3", "epochs: 6"),
        say("epochs is now 6 (it was 3)."),
    ),
    item(
        "suggest-lr",
        "config with numbers",
        "Suggest a learning rate and warmup for fine-tuning with the settings in config.yaml.",
        {"config.yaml": CONFIG_YAML},
        read("config.yaml"),
        say(
            "Keep learning_rate 0.0002 and warmup_ratio 0.03; with a batch of 8 that is "
            "about 30 warmup steps per 1000."
        ),
    ),
]

EDITS = [
    item(
        "fix-utils-done",
        "edit asked for",
        "Fix the division by zero in normalize() in utils.py.",
        {"utils.py": UTILS_PY},
        read("utils.py"),
        edit(
            "utils.py",
            "    return [x / total for x in xs]",
            "    return [x / total for x in xs] if total else list(xs)",
        ),
        say("normalize() now returns the values unchanged when they sum to zero."),
    ),
    item(
        "fix-utils-undone",
        "edit asked for",
        "Fix the division by zero in normalize() in utils.py.",
        {"utils.py": UTILS_PY},
        read("utils.py"),
        say("Guard the division with `if total` so an all-zero list is returned as it is."),
        fires={"asked-changes"},
    ),
    item(
        "polite-fix-undone",
        "edit asked for",
        "Can you update train.py so it calls model.train() before the loop?",
        {"train.py": TRAIN_PY},
        read("train.py"),
        say("Add `model.train()` before the `for epoch` line."),
        fires={"asked-changes"},
    ),
    item(
        "polite-fix-done",
        "edit asked for",
        "Can you update train.py so it calls model.train() before the loop?",
        {"train.py": TRAIN_PY},
        read("train.py"),
        edit(
            "train.py",
            "    for epoch in range(epochs):",
            "    model.train()\n    for epoch in range(epochs):",
        ),
        say("train.py now calls model.train() before the loop."),
    ),
    item(
        "write-file-undone",
        "edit asked for",
        "Write a short summary of README.md to summary.md.",
        {"README.md": README},
        read("README.md"),
        say("The project fine-tunes a small model on data.csv with train.py."),
        fires={"asked-files"},
    ),
    item(
        "write-file-done",
        "edit asked for",
        "Write a short summary of README.md to summary.md.",
        {"README.md": README},
        read("README.md"),
        write("summary.md", "Fine-tunes a small model on data.csv with train.py.\n"),
        say("Wrote summary.md."),
    ),
    item(
        "save-predictions-undone",
        "edit asked for",
        "Train a classifier on data.csv and save the predictions to preds.csv.",
        {"data.csv": DATA_CSV},
        bash("python3 -c \"import pandas as pd; print(pd.read_csv('data.csv').shape)\""),
        say("The classifier would predict pos for positive words."),
        fires={"asked-files", "table-order", "step-comments"},
    ),
    item(
        "create-script-done",
        "edit asked for",
        "Create a script hello.py that prints hello.",
        {},
        write("hello.py", "print('hello')\n"),
        say("Created hello.py."),
    ),
    item(
        "create-script-undone",
        "edit asked for",
        "Please create hello.py, a script that prints hello.",
        {},
        say("Here it is:\n\n    print('hello')"),
        fires={"asked-files"},
    ),
    item(
        "rename-variable-done",
        "edit asked for",
        "In utils.py, rename xs to values in mean().",
        {"utils.py": UTILS_PY},
        read("utils.py"),
        edit(
            "utils.py",
            "def mean(xs):\n    return sum(xs) / max(len(xs), 1)",
            "def mean(values):\n    return sum(values) / max(len(values), 1)",
        ),
        say("mean() now takes `values`."),
    ),
    item(
        "add-docstring-done",
        "edit asked for",
        "Add a docstring to mean() in utils.py.",
        {"utils.py": UTILS_PY},
        read("utils.py"),
        edit("utils.py", "def mean(xs):\n", 'def mean(xs):\n    """The average of xs."""\n'),
        say("Added a one-line docstring to mean()."),
    ),
]

POLLING = [
    item(
        "tail-growing-log",
        "polling a training log",
        "Keep an eye on train.log and tell me when the loss drops below 1.5.",
        {"train.log": LOG_START},
        bash("tail -n 5 train.log"),
        bash("tail -n 5 train.log", grows={"train.log": "step 30 loss 1.80\n"}),
        bash("tail -n 5 train.log", grows={"train.log": "step 40 loss 1.42\n"}),
        say("The loss dropped below 1.5 at step 40 (1.42)."),
    ),
    item(
        "tail-twice-growing",
        "polling a training log",
        "Is training still running? Check train.log.",
        {"train.log": LOG_START},
        bash("tail -n 5 train.log"),
        bash("tail -n 5 train.log", grows={"train.log": "step 30 loss 1.80\n"}),
        say("Yes: train.log gained a line (step 30, loss 1.80) since the last look."),
    ),
    item(
        "read-growing-log",
        "polling a training log",
        "Watch progress.txt until it says done.",
        {"progress.txt": "epoch 1/3\n"},
        read("progress.txt"),
        do(call("read", path="progress.txt"), grows={"progress.txt": "epoch 2/3\n"}),
        do(call("read", path="progress.txt"), grows={"progress.txt": "epoch 3/3\ndone\n"}),
        say("progress.txt says done after epoch 3/3."),
    ),
    item(
        "grep-growing-log",
        "polling a training log",
        "Tell me the latest eval accuracy in train.log.",
        {"train.log": "eval acc 0.61\n"},
        do(call("grep", pattern="eval", path="train.log")),
        do(call("grep", pattern="eval", path="train.log"), grows={"train.log": "eval acc 0.64\n"}),
        say("The latest eval accuracy is 0.64."),
    ),
    item(
        "same-command-twice-same",
        "polling a training log",
        "Run the tests in test_utils.py.",
        {
            "utils.py": UTILS_PY,
            "test_utils.py": "from utils import mean\n\ndef test_mean():\n"
            "    assert mean([1, 3]) == 2\n\nprint('ok')\n",
        },
        bash("python3 test_utils.py"),
        say("The tests pass: it printed ok."),
    ),
]

NAMED_NOT_CHANGED = [
    item(
        "gitignore-data",
        "file named, not to be changed",
        "Add data.csv to .gitignore.",
        {"data.csv": DATA_CSV, ".gitignore": "__pycache__/\n"},
        read(".gitignore"),
        edit(".gitignore", "__pycache__/\n", "__pycache__/\ndata.csv\n"),
        say("Added data.csv to .gitignore."),
    ),
    item(
        "move-csv",
        "file named, not to be changed",
        "Move sales.csv into a data/ folder.",
        {"sales.csv": SALES_CSV},
        bash("mkdir -p data && mv sales.csv data/"),
        say("Moved sales.csv to data/sales.csv."),
    ),
    item(
        "delete-log",
        "file named, not to be changed",
        "Delete old.log, I don't need it.",
        {"old.log": "old run\n"},
        bash("rm old.log"),
        say("Deleted old.log."),
    ),
    item(
        "mention-in-readme",
        "file named, not to be changed",
        "Add a line to README.md saying the data lives in data.csv.",
        {"README.md": README, "data.csv": DATA_CSV},
        read("README.md"),
        edit(
            "README.md",
            "Run `python train.py`.\n",
            "Run `python train.py`.\n\nThe data lives in data.csv.\n",
        ),
        say("README.md now says the data lives in data.csv."),
    ),
    item(
        "do-not-touch",
        "file named, not to be changed",
        "Fix the typo 'Fine-tunes' -> 'Finetunes' in README.md; do not change data.csv.",
        {"README.md": README, "data.csv": DATA_CSV},
        read("README.md"),
        edit("README.md", "Fine-tunes", "Finetunes"),
        say("Fixed the typo in README.md; data.csv is untouched."),
    ),
    item(
        "gitignore-checkpoints",
        "file named, not to be changed",
        "Make sure model.safetensors is never committed.",
        {"model.safetensors": "weights", ".gitignore": ""},
        write(".gitignore", "model.safetensors\n"),
        say("Added model.safetensors to .gitignore."),
    ),
    item(
        "copy-config",
        "file named, not to be changed",
        "Copy config.yaml to config.backup.yaml before I edit it.",
        {"config.yaml": CONFIG_YAML},
        bash("cp config.yaml config.backup.yaml"),
        say("Copied config.yaml to config.backup.yaml."),
    ),
    item(
        "train-reads-data",
        "file named, not to be changed",
        "Make train.py read its data from data.csv instead of a hard-coded list.",
        {"train.py": "DATA = ['a', 'b']\n", "data.csv": DATA_CSV},
        read("train.py"),
        edit(
            "train.py",
            "DATA = ['a', 'b']\n",
            "import pandas as pd\n\nDATA = pd.read_csv('data.csv')['text'].tolist()\n",
        ),
        say("train.py now reads its texts from data.csv."),
    ),
]

TABLES_BESIDE = [
    item(
        "csv-unrelated-question",
        "table beside an unrelated request",
        "What does utils.py do?",
        {"utils.py": UTILS_PY, "sales.csv": SALES_CSV},
        read("utils.py"),
        say("It has two helpers: normalize() scales values to sum to one, mean() averages."),
    ),
    item(
        "csv-unrelated-edit",
        "table beside an unrelated request",
        "Add a docstring to normalize() in utils.py.",
        {"utils.py": UTILS_PY, "data.csv": DATA_CSV},
        read("utils.py"),
        edit(
            "utils.py",
            "def normalize(xs):\n",
            'def normalize(xs):\n    """xs scaled to sum to one."""\n',
        ),
        say("Added a docstring to normalize()."),
    ),
    item(
        "csv-unrelated-howto",
        "table beside an unrelated request",
        "How do I install PyTorch with CUDA 12.1?",
        {"data.csv": DATA_CSV},
        say("`pip install torch --index-url https://download.pytorch.org/whl/cu121`."),
    ),
    item(
        "csv-readme-question",
        "table beside an unrelated request",
        "What license is this project under?",
        {"README.md": README, "sales.csv": SALES_CSV},
        read("README.md"),
        say("README.md names no license, and the workspace has no LICENSE file."),
    ),
    item(
        "csv-table-question",
        "table request",
        "What is the total revenue in sales.csv?",
        {"sales.csv": SALES_CSV},
        bash(
            "python3 - <<'EOF'\nimport pandas as pd\n"
            "print(pd.read_csv('sales.csv').revenue.sum())\nEOF"
        ),
        say("The total revenue is 3450."),
        fires={"table-example", "step-comments"},
    ),
    item(
        "csv-rows-question",
        "table request",
        "How many rows does data.csv have?",
        {"data.csv": DATA_CSV},
        bash("python3 - <<'EOF'\nimport pandas as pd\nprint(len(pd.read_csv('data.csv')))\nEOF"),
        say("data.csv has 4 rows."),
        fires={"table-example", "step-comments"},
    ),
    item(
        "csv-copy-order",
        "table beside an unrelated request",
        "Copy sales.csv to backup.csv.",
        {"sales.csv": SALES_CSV},
        bash("cp sales.csv backup.csv"),
        say("Copied sales.csv to backup.csv."),
    ),
    item(
        "csv-script-order",
        "table beside an unrelated request",
        "Write a script report.py that reads sales.csv and writes totals.csv.",
        {"sales.csv": SALES_CSV},
        write(
            "report.py", "import pandas as pd\n\npd.read_csv('sales.csv').to_csv('totals.csv')\n"
        ),
        say("Wrote report.py."),
    ),
    item(
        "csv-pick-question",
        "table request",
        "Which region of sales.csv has the highest total revenue?",
        {"sales.csv": SALES_CSV},
        bash(
            "python3 - <<'EOF'\nimport pandas as pd\ndf = pd.read_csv('sales.csv')\n"
            "totals = df.groupby('region').revenue.sum()\n"
            "print(totals.idxmax(), totals.max())\nEOF"
        ),
        say("north, with a total revenue of 2550."),
        fires={"table-example", "step-comments", "pick-in-program"},
    ),
    item(
        "best-practice-question",
        "how-to question",
        "Which learning rate works best for LoRA on a 0.5B model?",
        {"train.py": TRAIN_PY},
        say("Start from the rate of a published LoRA recipe and try a few values around it."),
    ),
    item(
        "costliest-function",
        "question about code",
        "Which function in train.py is the most expensive to run?",
        {"train.py": TRAIN_PY, "sales.csv": SALES_CSV},
        read("train.py"),
        say("The training loop: it runs the model forward and backward on every batch."),
    ),
    item(
        "csv-order-new-file",
        "table request",
        "Write the total revenue of each region in sales.csv to totals.csv.",
        {"sales.csv": SALES_CSV},
        bash(
            "python3 - <<'EOF'\nimport pandas as pd\ndf = pd.read_csv('sales.csv')\n"
            "df.groupby('region', as_index=False).revenue.sum().to_csv('totals.csv', "
            "index=False)\nEOF"
        ),
        say("Wrote totals.csv."),
        fires={"table-order", "step-comments"},
    ),
]

ANSWERS_WITH_NUMBERS = [
    item(
        "count-from-tool",
        "answer from a tool's numbers",
        "How many lines does train.py have?",
        {"train.py": TRAIN_PY},
        bash("wc -l train.py"),
        say("train.py has 10 lines."),
    ),
    item(
        "invented-count",
        "answer from a tool's numbers",
        "How many rows does data.csv have?",
        {"data.csv": DATA_CSV},
        bash("python3 - <<'EOF'\nimport pandas as pd\nprint(len(pd.read_csv('data.csv')))\nEOF"),
        say("data.csv has 1200 rows."),
        fires={"table-example", "step-comments", "unseen-numbers"},
    ),
    item(
        "unread-named-file",
        "answer about a named file",
        "What port does server.py listen on?",
        {"server.py": "PORT = 8431\n"},
        say("It listens on port 8080."),
        fires={"unread-files", "unseen-numbers"},
    ),
    item(
        "count-as-share",
        "answer from a tool's numbers",
        "How many rows of sales.csv have a revenue above 1000?",
        {"sales.csv": SALES_CSV},
        bash(
            "python3 - <<'EOF'\nimport pandas as pd\ndf = pd.read_csv('sales.csv')\n"
            "print((df.revenue > 1000).mean())\nEOF"
        ),
        say("0.6666666666666666"),
        fires={"table-example", "step-comments", "whole-count"},
    ),
    item(
        "count-beside-total",
        "answer from a tool's numbers",
        "How many rows of sales.csv have a revenue above 1000?",
        {"sales.csv": SALES_CSV},
        bash(
            "python3 - <<'EOF'\nimport pandas as pd\ndf = pd.read_csv('sales.csv')\n"
            "big = df[df.revenue > 1000]\nprint(len(big), big.revenue.mean())\nEOF"
        ),
        say("2 rows, with a mean revenue of 1275.0."),
        fires={"table-example", "step-comments"},
    ),
    item(
        "hours-from-log",
        "answer from a tool's numbers",
        "How many hours did the run in train.log take?",
        {"train.log": "step 500 loss 1.02\nelapsed_hours: 2.5\n"},
        read("train.log"),
        say("2.5 hours."),
    ),
]

# The general failure kind: after reading the right file, the answer repeats the request.
ECHOES = [
    item(
        "echo-request",
        "answer repeating the request",
        "What does the mean function in utils.py return for an empty list?",
        {"utils.py": UTILS_PY},
        read("utils.py"),
        say("What does the mean function in utils.py return for an empty list?"),
        fires={"echoed-request"},
    ),
    item(
        "echo-request-near",
        "answer repeating the request",
        "Which optimizer does train.py use?",
        {"train.py": TRAIN_PY},
        read("train.py"),
        say("Which optimizer does train.py use?"),
        fires={"echoed-request"},
    ),
    item(
        "answer-quoting-request",
        "answer quoting the request",
        "Which optimizer does train.py use?",
        {"train.py": TRAIN_PY},
        read("train.py"),
        say("You asked which optimizer train.py uses: AdamW, with lr=2e-4."),
    ),
]

CORPUS: tuple[Item, ...] = (
    *CODE_QUESTIONS,
    *HOW_TO,
    *KNOWLEDGE,
    *CONFIGS,
    *EDITS,
    *POLLING,
    *NAMED_NOT_CHANGED,
    *TABLES_BESIDE,
    *ANSWERS_WITH_NUMBERS,
    *ECHOES,
)
