"""Builds the classifier from config.json and trains it (the data loading is elsewhere)."""

import json

import torch
from model import TextClassifier

with open("config.json") as handle:
    config = json.load(handle)
model = TextClassifier(**config)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
