"""A small bag-of-embeddings text classifier."""

import torch
from torch import nn


class TextClassifier(nn.Module):
    def __init__(self, vocab_size=8000, embed_dim=96, hidden=48, num_labels=5, dropout=0.1):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.encoder = nn.Linear(embed_dim, hidden)
        self.norm = nn.LayerNorm(hidden)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, num_labels)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        mask = (input_ids != 0).unsqueeze(-1).float()
        pooled = (self.embedding(input_ids) * mask).sum(1) / mask.sum(1).clamp(min=1)
        return self.head(self.dropout(torch.relu(self.norm(self.encoder(pooled)))))
