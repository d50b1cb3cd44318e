"""Reads the raw CSV export, cleans it and writes the training table."""

import argparse
import json
from pathlib import Path

import pandas as pd
import yaml
from features import add_length_features
from tqdm import tqdm


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default="config.yaml")
    args = parser.parse_args()
    config = yaml.safe_load(Path(args.config).read_text())
    frames = [pd.read_csv(p) for p in tqdm(sorted(Path(config["raw_dir"]).glob("*.csv")))]
    table = add_length_features(pd.concat(frames).dropna(subset=["text"]))
    table.to_csv(config["table"], index=False)
    Path("prepare_stats.json").write_text(json.dumps({"rows": len(table)}))


if __name__ == "__main__":
    main()
