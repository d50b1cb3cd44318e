"""What the fake Hub knows at start: a user, a few repos, datasets, papers, docs and hardware.

Shapes follow the real APIs (huggingface_hub parses them); values are small and made up.
"""

from __future__ import annotations

from typing import Any

USER = {
    "type": "user",
    "id": "u-alice",
    "name": "alice",
    "fullname": "Alice Example",
    "orgs": [{"type": "org", "id": "o-acme", "name": "acme", "roleInOrg": "write"}],
    "auth": {"type": "access_token", "accessToken": {"displayName": "test", "role": "write"}},
}

BERT_README = """---
license: mit
language: en
datasets:
- acme/imdb-mini
---
# Tiny BERT

Tiny BERT is a 4-layer BERT trained on English text for fill-mask, small enough for CPU tests.

## Usage
```python
from transformers import pipeline
```
"""

MODELS: list[dict[str, Any]] = [
    {
        "id": "acme/tiny-bert",
        "pipeline_tag": "fill-mask",
        "library_name": "transformers",
        "downloads": 12345,
        "likes": 67,
        "tags": ["transformers", "safetensors", "bert", "fill-mask", "en", "license:mit",
                 "arxiv:2401.00001", "region:us"],
        "cardData": {"license": "mit", "language": "en", "datasets": ["acme/imdb-mini"]},
        "safetensors": {"parameters": {"F32": 4_400_000}, "total": 4_400_000},
        "files": {
            "README.md": BERT_README.encode(),
            "config.json": b'{"model_type": "bert", "hidden_size": 128}\n',
            "model.safetensors": b"\x00\x01binary" * 300,
        },
    },
    {
        "id": "acme/tiny-gpt",
        "pipeline_tag": "text-generation",
        "library_name": "transformers",
        "downloads": 999,
        "likes": 3,
        "tags": ["transformers", "gpt2", "text-generation", "license:apache-2.0"],
        "files": {"config.json": b'{"model_type": "gpt2"}\n'},
    },
    {
        "id": "alice/private-model",
        "private": True,
        "downloads": 0,
        "likes": 0,
        "tags": [],
        "files": {"notes.txt": b"secret plans\n"},
    },
]  # fmt: skip

CHAT_ROWS = [
    {
        "messages": [
            {"role": "user", "content": f"Question {i}: what is {i} + {i}?"},
            {
                "role": "assistant",
                "content": f"{i} + {i} = {2 * i}. " + "x" * (400 if i == 0 else 5),
            },
        ]
    }
    for i in range(5)
]
IMDB_ROWS = [
    {"text": f"Review {i}: " + ("great" if i % 2 else "awful"), "label": i % 2} for i in range(6)
]
MESSAGE = {
    "content": {"dtype": "string", "_type": "Value"},
    "role": {"dtype": "string", "_type": "Value"},
}

# dataset -> config -> {"features": ..., "splits": {split: rows}}
VIEWER: dict[str, dict[str, Any]] = {
    "acme/chat-data": {
        "default": {
            "features": {"messages": {"feature": MESSAGE, "_type": "List"}},
            "splits": {"train": CHAT_ROWS, "test": CHAT_ROWS[:2]},
        }
    },
    "acme/imdb-mini": {
        "plain_text": {
            "features": {
                "text": {"dtype": "string", "_type": "Value"},
                "label": {"names": ["neg", "pos"], "_type": "ClassLabel"},
            },
            "splits": {"train": IMDB_ROWS, "test": IMDB_ROWS[:2]},
        }
    },
}

DATASETS: list[dict[str, Any]] = [
    {
        "id": "acme/chat-data",
        "downloads": 4321,
        "likes": 12,
        "tags": ["task_categories:text-generation", "format:parquet", "size_categories:n<1K"],
        "description": "Synthetic chat conversations about arithmetic.",
        "cardData": {"license": "cc-by-4.0", "task_categories": ["text-generation"]},
        "files": {
            "README.md": b"# Chat data\n\nSynthetic chats.\n",
            "data/train.parquet": b"PAR1\x00" * 50,
        },
    },
    {
        "id": "acme/imdb-mini",
        "downloads": 777,
        "likes": 5,
        "tags": ["task_categories:text-classification", "arxiv:2401.00001"],
        "files": {"README.md": b"# IMDB mini\n\nSix reviews.\n"},
    },
]
SPACES: list[dict[str, Any]] = [
    {
        "id": "acme/demo",
        "likes": 8,
        "sdk": "gradio",
        "tags": ["gradio"],
        "files": {"app.py": b"import gradio\n"},
    },
]

PAPER_AUTHORS = [{"name": "Ada Lovelace"}, {"name": "Alan Turing"}]
PAPERS: dict[str, dict[str, Any]] = {
    "2401.00001": {
        "id": "2401.00001",
        "title": "Tiny BERT for Everyone",
        "summary": "We train a tiny BERT that runs anywhere.",
        "ai_summary": "A 4-layer BERT that fits on a CPU.",
        "ai_keywords": ["bert", "distillation"],
        "upvotes": 42,
        "publishedAt": "2024-01-02T00:00:00.000Z",
        "githubRepo": "https://github.com/acme/tiny-bert",
        "authors": PAPER_AUTHORS,
    },
    "2402.00002": {
        "id": "2402.00002",
        "title": "Chat Data at Scale",
        "summary": "Synthetic chats help small models follow instructions.",
        "upvotes": 7,
        "publishedAt": "2024-02-03T00:00:00.000Z",
        "authors": PAPER_AUTHORS[:1],
    },
}
PAPER_MD = {
    "2401.00001": """# Tiny BERT for Everyone

## Abstract
We train a tiny BERT that runs anywhere.

## 1 Introduction
Big models are slow. """
    + "Small is beautiful. " * 50
    + """

## 2 Method
We distil.

### 2.1 Data
We use acme/imdb-mini.

## 3 Results
It works: 91.2% accuracy.
"""
}

DOCS_RESULTS: list[dict[str, Any]] = [
    {
        "text": "<p>The SFTTrainer makes supervised fine-tuning easy: pass a model and a dataset.</p>",
        "product": "trl",
        "heading1": "SFT Trainer",
        "heading2": "Quickstart",
        "source_page_url": "https://huggingface.co/docs/trl/sft_trainer#quickstart",
        "source_page_title": "SFT Trainer",
    },
    {
        "text": "Use a chat dataset with a messages column; the trainer applies the chat template.",
        "product": "trl",
        "heading1": "SFT Trainer",
        "heading2": "Dataset format",
        "source_page_url": "https://huggingface.co/docs/trl/sft_trainer#dataset-format",
        "source_page_title": "SFT Trainer",
    },
    {
        "text": "Run compute jobs on Hugging Face infrastructure with hf jobs run.",
        "product": "hub",
        "heading1": "Jobs",
        "source_page_url": "https://huggingface.co/docs/hub/jobs",
        "source_page_title": "Jobs",
    },
]
# path -> {content type: body}; the server picks by the Accept header (first listed is default)
PAGES: dict[str, dict[str, str]] = {
    "/docs/trl/sft_trainer": {
        "text/html": "<html><body><h1>SFT Trainer</h1><p>html version</p></body></html>",
        "text/markdown": "# SFT Trainer\n\nThe SFTTrainer fine-tunes a model on a dataset.\n",
    },
    "/docs/hub/jobs": {
        "text/html": "<html><h1>Jobs</h1><script>x()</script><p>Run jobs.</p></html>"
    },
    "/docs/hub/jobs.md": {"text/markdown": "# Jobs\n\nRun compute jobs with `hf jobs run`.\n"},
    "/docs/hub/long": {"text/markdown": "# Long\n\n" + "word " * 8000},
}

HARDWARE: list[dict[str, Any]] = [  # not in price order, as the Hub's list is not
    {"name": "a10g-small", "prettyName": "Nvidia A10G - small", "cpu": "4 vCPU", "ram": "15 GB",
     "accelerator": {"type": "gpu", "model": "A10G", "quantity": "1", "vram": "24 GB", "manufacturer": "Nvidia"},
     "unitCostMicroUSD": 16667, "unitCostUSD": 0.016667, "unitLabel": "minute"},
    {"name": "cpu-basic", "prettyName": "CPU Basic", "cpu": "2 vCPU", "ram": "16 GB",
     "accelerator": None, "unitCostMicroUSD": 167, "unitCostUSD": 0.000167, "unitLabel": "minute"},
    {"name": "t4-small", "prettyName": "Nvidia T4 - small", "cpu": "4 vCPU", "ram": "15 GB",
     "accelerator": {"type": "gpu", "model": "T4", "quantity": "1", "vram": "16 GB", "manufacturer": "Nvidia"},
     "unitCostMicroUSD": 10000, "unitCostUSD": 0.01, "unitLabel": "minute"},
]  # fmt: skip

JOB_LOGS = [
    "Installing dependencies",
    "step 1/3 loss=2.31",
    "step 2/3 loss=1.72",
    "step 3/3 loss=1.20",
    "Training done",
]
