import json

with open("data/train.jsonl") as handle:
    rows = [json.loads(x) for x in handle]
print(len(rows))
