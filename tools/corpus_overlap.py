#!/usr/bin/env python3
"""Checks corpus lines against the evaluation-only sets: the corpus must not copy or closely paraphrase them.

    tools/corpus_overlap.py [--threshold 0.35] [FILE.jsonl ...]   # default: every crates/analyzer/corpus/*.jsonl

For every corpus line, the highest word 3-gram Jaccard similarity with any message of
../shared/data/vi_sms_smishing_ie403/dev.csv and ../shared/data/vi_social_spam_comments/*.csv, after normalising both
(lower case, diacritics removed, đ -> d, words of letters and digits). Prints the lines above the threshold and exits
1 when there are any; exits 0, with a note, when the sets are absent. Standard library only.
"""

import argparse
import csv
import glob
import json
import os
import re
import sys
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")
EVALUATION_SETS = [
    os.path.join(DATA, "vi_sms_smishing_ie403", "dev.csv"),
    *sorted(glob.glob(os.path.join(DATA, "vi_social_spam_comments", "*.csv"))),
]


def words(text):
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return re.findall(r"[a-z0-9]+", text)


def trigrams(text):
    w = words(text)
    return {tuple(w[i:i + 3]) for i in range(len(w) - 2)}


def evaluation_messages():
    for path in EVALUATION_SETS:
        if not os.path.exists(path):
            continue
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader, [])
            column = next((i for i, name in enumerate(header) if name.lower() in ("content", "text", "comment")), 0)
            for row in reader:
                if len(row) > column:
                    yield row[column]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=0.35)
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()
    files = args.files or sorted(glob.glob(os.path.join(ROOT, "crates", "analyzer", "corpus", "*.jsonl")))
    if not any(os.path.exists(path) for path in EVALUATION_SETS):
        print(f"corpus_overlap: no evaluation set under {DATA}; nothing to compare with")
        return 0
    # An index from 3-gram to the evaluation messages holding it, so each line meets only its candidates.
    messages, index = [], {}
    for text in evaluation_messages():
        grams = trigrams(text)
        if grams:
            for gram in grams:
                index.setdefault(gram, []).append(len(messages))
            messages.append((text, grams))
    above = 0
    checked = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                text = json.loads(line)["text"]
                grams = trigrams(text)
                checked += 1
                candidates = {i for gram in grams for i in index.get(gram, ())}
                best, best_text = 0.0, ""
                for i in candidates:
                    other_text, other = messages[i]
                    score = len(grams & other) / len(grams | other)
                    if score > best:
                        best, best_text = score, other_text
                if best > args.threshold:
                    above += 1
                    print(f"{os.path.basename(path)}:{number}: {best:.2f}\n  corpus:     {text[:160]}\n  evaluation: {best_text[:160]}")
    print(f"corpus_overlap: {checked} lines against {len(messages)} evaluation messages; {above} above {args.threshold}")
    return 1 if above else 0


if __name__ == "__main__":
    sys.exit(main())
