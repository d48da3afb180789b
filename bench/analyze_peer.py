#!/usr/bin/env python3
"""Peer baseline for canhgiac's message analyzer: scikit-learn TF-IDF + logistic regression.

Trained on the same data as the shipped Rust model:
  1. every *.jsonl file of crates/analyzer/corpus/ ("label": "scam" -> 1, "safe" -> 0; blank lines skipped);
  2. the UCI SMS Spam Collection, de-duplicated by exact text (first occurrence kept), less every row whose 0-based
     position in that de-duplicated order is 4 modulo 5 (those rows are held out for evaluation).

Evaluated (never trained on) on:
  - vi_sms_smishing_ie403/dev.csv (label 1 = scam/spam);
  - the UCI held-out rows;
  - Mishra-Soni Dataset_5971.csv (latin-1; ham -> 0, spam/smishing -> 1), de-duplicated by exact text, less every
    text that also appears anywhere in the UCI file.

Model: union of word 1-2-gram and char_wb 3-5-gram TfidfVectorizers (sublinear_tf, lowercase,
strip_accents='unicode'), LogisticRegression(class_weight='balanced', max_iter=2000, C=10, random_state=0).
A message is positive when its predicted probability of class 1 is >= 0.5.

Speed is measured on one core: BLAS/OpenMP thread pools are limited to one thread and the process is pinned to one
CPU. "batch" is one predict_proba call over the whole set (vectorising included); "per message" is one
predict_proba call per message (latency). Both are reported as messages per second.

Usage:
  pip install -r bench/analyze_peer_requirements.txt
  python3 bench/analyze_peer.py [--corpus DIR] [--data DIR] [--json] [--write-eval-sets DIR]

--write-eval-sets DIR writes the UCI held-out rows and the filtered Mishra-Soni rows exactly as evaluated here, as
JSON Lines {"text": ..., "label": 0|1} (DIR/uci_held_out.jsonl, DIR/mishra.jsonl), so that `canhgiac
eval-analyzer` measures the very same rows (bench/analyze does); dev.csv is read directly by both.
"""

import os

# Must be set before numpy / scipy / scikit-learn are imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import csv
import json
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO / "crates" / "analyzer" / "corpus"
DEFAULT_DATA = REPO.parent / "shared" / "data"
REQUIREMENTS = "bench/analyze_peer_requirements.txt"

UCI = "en_sms_spam_collection_uci/SMSSpamCollection"
VI_DEV = "vi_sms_smishing_ie403/dev.csv"
MISHRA = "en_smishing_mishra_soni_5971/Dataset_5971.csv"
SOCIAL = "vi_social_spam_comments/vietnamese_data.csv"

RANDOM_STATE = 0
THRESHOLD = 0.5


class DataError(Exception):
    pass


def text_lines(path, encoding):
    """Lines as Rust's str::lines() gives them: split on '\\n', one trailing '\\r' dropped, no final empty line."""
    data = path.read_bytes().decode(encoding)
    lines = data.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def load_corpus(corpus_dir):
    """(texts, labels, per-file counts) from every *.jsonl of corpus_dir, files in name order."""
    if not corpus_dir.is_dir():
        raise DataError(f"corpus folder {corpus_dir} does not exist")
    texts, labels, files = [], [], {}
    for path in sorted(corpus_dir.glob("*.jsonl")):
        count = 0
        for number, line in enumerate(text_lines(path, "utf-8"), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise DataError(f"{path}:{number}: not JSON ({error})") from None
            label = row.get("label") if isinstance(row, dict) else None
            text = row.get("text") if isinstance(row, dict) else None
            if label not in ("scam", "safe") or not isinstance(text, str):
                raise DataError(f'{path}:{number}: needs a string "text" and "label" "scam" or "safe"')
            texts.append(text)
            labels.append(1 if label == "scam" else 0)
            count += 1
        files[path.name] = count
    return texts, labels, files


def load_uci(path):
    """(all texts in file order, training rows, held-out rows); rows are (text, label)."""
    all_texts, seen, unique = [], set(), []
    for number, line in enumerate(text_lines(path, "utf-8"), start=1):
        if not line.strip():
            continue
        label, tab, text = line.partition("\t")
        if not tab or label not in ("ham", "spam"):
            raise DataError(f"{path}:{number}: expected 'ham' or 'spam', a tab, then the text")
        all_texts.append(text)
        if text in seen:
            continue
        seen.add(text)
        unique.append((text, 1 if label == "spam" else 0))
    train = [row for i, row in enumerate(unique) if i % 5 != 4]
    held_out = [row for i, row in enumerate(unique) if i % 5 == 4]
    return all_texts, unique, train, held_out


def load_vi_dev(path):
    rows = []
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            try:
                label = int(row["label"])
            except (KeyError, TypeError, ValueError):
                raise DataError(f"{path}: record {number}: bad label {row.get('label')!r}") from None
            if label not in (0, 1):
                raise DataError(f"{path}: record {number}: label {label} is not 0 or 1")
            rows.append((row["content"], label))
    return rows


def load_social(path):
    """Vietnamese social-media comments (text, spam 0/1), read as `canhgiac eval-analyzer` reads them: rows with
    an empty label skipped, repeated texts kept once (the first)."""
    seen, rows = set(), []
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            label = (row.get("spam") or "").strip()
            if not label:
                continue
            if label not in ("0", "1"):
                raise DataError(f"{path}: record {number}: label {label!r} is not 0 or 1")
            text = row.get("text") or ""
            if text not in seen:
                seen.add(text)
                rows.append((text, int(label)))
    return rows


def load_mishra(path, uci_texts):
    """(rows after de-duplication and UCI removal, rows in file, unique texts, removed as in UCI)."""
    uci = set(uci_texts)
    seen, unique = set(), []
    total = 0
    with open(path, encoding="latin-1", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            total += 1
            kind = (row.get("label") or "").strip().lower()
            if kind == "ham":
                label = 0
            elif kind in ("spam", "smishing"):
                label = 1
            else:
                raise DataError(f"{path}: record {number}: unknown label {row.get('label')!r}")
            text = row["TEXT"]
            if text in seen:
                continue
            seen.add(text)
            unique.append((text, label))
    rows = [row for row in unique if row[0] not in uci]
    return rows, total, len(unique), len(unique) - len(rows)


def build_model():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    common = dict(sublinear_tf=True, lowercase=True, strip_accents="unicode")
    features = FeatureUnion([
        ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), **common)),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), **common)),
    ])
    classifier = LogisticRegression(class_weight="balanced", max_iter=2000, C=10, random_state=RANDOM_STATE)
    return Pipeline([("features", features), ("classifier", classifier)])


def ratio(numerator, denominator):
    return numerator / denominator if denominator else None


def evaluate(model, rows):
    texts = [text for text, _ in rows]
    labels = [label for _, label in rows]
    positive_column = list(model.classes_).index(1)

    start = time.perf_counter()
    probabilities = model.predict_proba(texts)[:, positive_column]
    batch_seconds = time.perf_counter() - start

    latencies = []
    for text in texts:
        start = time.perf_counter()
        model.predict_proba([text])
        latencies.append(time.perf_counter() - start)
    per_message_seconds = sum(latencies)

    predictions = [1 if p >= THRESHOLD else 0 for p in probabilities]
    tp = sum(1 for y, p in zip(labels, predictions) if y == 1 and p == 1)
    fp = sum(1 for y, p in zip(labels, predictions) if y == 0 and p == 1)
    tn = sum(1 for y, p in zip(labels, predictions) if y == 0 and p == 0)
    fn = sum(1 for y, p in zip(labels, predictions) if y == 1 and p == 0)
    precision = ratio(tp, tp + fp)
    recall = ratio(tp, tp + fn)
    f1 = ratio(2 * tp, 2 * tp + fp + fn)
    ordered = sorted(latencies)
    return {
        "rows": len(rows),
        "positives": tp + fn,
        "accuracy": ratio(tp + tn, len(rows)),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "false_positive_rate": ratio(fp, fp + tn),
        "tp": tp, "fp": fp, "tn": tn, "fn": fn,
        "batch_seconds": batch_seconds,
        "batch_messages_per_second": ratio(len(rows), batch_seconds),
        "per_message_seconds": per_message_seconds,
        "per_message_messages_per_second": ratio(len(rows), per_message_seconds),
        "latency_p50_us": statistics.median(latencies) * 1e6 if latencies else None,
        "latency_p99_us": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1e6 if ordered else None,
    }


def pin_to_one_core():
    """Pin the process to one CPU it may run on; returns that CPU or None where the platform cannot."""
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return cpu
    except (AttributeError, OSError):
        return None


def write_eval_set(path, rows):
    """rows as JSON Lines {"text": ..., "label": 0|1}, in order (UTF-8; no raw newline inside a line)."""
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        for text, label in rows:
            handle.write(json.dumps({"text": text, "label": label}, ensure_ascii=False) + "\n")


def fmt(value, digits=4):
    return "n/a" if value is None else f"{value:.{digits}f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help=f"folder of the project's *.jsonl corpus (default {DEFAULT_CORPUS})")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help=f"the shared data folder (default {DEFAULT_DATA})")
    parser.add_argument("--json", action="store_true", help="print one JSON object with every figure")
    parser.add_argument("--write-eval-sets", type=Path, metavar="DIR",
                        help="write the UCI held-out and filtered Mishra-Soni rows as JSON Lines into DIR "
                             "(uci_held_out.jsonl, mishra.jsonl) for canhgiac eval-analyzer")
    args = parser.parse_args()

    try:
        import numpy
        import scipy
        import sklearn
        from threadpoolctl import threadpool_limits
    except ImportError as error:
        print(f"analyze_peer: {error}.\nInstall the peer's dependencies first:\n"
              f"    pip install -r {REQUIREMENTS}", file=sys.stderr)
        return 2

    cpu = pin_to_one_core()
    log = (lambda *a, **k: None) if args.json else print

    try:
        corpus_texts, corpus_labels, corpus_files = load_corpus(args.corpus)
        uci_all, uci_unique, uci_train, uci_held_out = load_uci(args.data / UCI)
        vi_rows = load_vi_dev(args.data / VI_DEV)
        social_rows = load_social(args.data / SOCIAL)
        mishra_rows, mishra_total, mishra_unique, mishra_in_uci = load_mishra(args.data / MISHRA, uci_all)
    except (DataError, OSError, UnicodeDecodeError) as error:
        print(f"analyze_peer: {error}", file=sys.stderr)
        return 1
    if args.write_eval_sets is not None:
        try:
            args.write_eval_sets.mkdir(parents=True, exist_ok=True)
            write_eval_set(args.write_eval_sets / "uci_held_out.jsonl", uci_held_out)
            write_eval_set(args.write_eval_sets / "mishra.jsonl", mishra_rows)
        except OSError as error:
            print(f"analyze_peer: cannot write the evaluation sets: {error}", file=sys.stderr)
            return 1
    if not corpus_files:
        print(f"analyze_peer: warning: no *.jsonl file in {args.corpus}; training on UCI rows only", file=sys.stderr)

    train_texts = corpus_texts + [text for text, _ in uci_train]
    train_labels = corpus_labels + [label for _, label in uci_train]

    versions = {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
                "numpy": numpy.__version__, "scipy": scipy.__version__}
    training = {
        "corpus_files": corpus_files,
        "corpus_rows": len(corpus_texts),
        "corpus_scam": sum(corpus_labels),
        "corpus_safe": len(corpus_labels) - sum(corpus_labels),
        "uci_rows_in_file": len(uci_all),
        "uci_unique": len(uci_unique),
        "uci_train_rows": len(uci_train),
        "uci_train_spam": sum(label for _, label in uci_train),
        "uci_held_out_rows": len(uci_held_out),
        "rows": len(train_texts),
        "positives": sum(train_labels),
    }

    log(f"peer: scikit-learn {sklearn.__version__} TF-IDF (word 1-2 + char_wb 3-5) + LogisticRegression(C=10), "
        f"numpy {numpy.__version__}, scipy {scipy.__version__}, Python {versions['python']}; "
        f"one core{'' if cpu is None else f' (CPU {cpu})'}")
    log(f"training data: corpus {training['corpus_rows']} rows ({training['corpus_scam']} scam, "
        f"{training['corpus_safe']} safe) from {len(corpus_files)} file(s) {sorted(corpus_files)}; "
        f"UCI {training['uci_train_rows']} rows ({training['uci_train_spam']} spam) of {training['uci_unique']} unique "
        f"({training['uci_rows_in_file']} in file, {training['uci_held_out_rows']} held out); "
        f"total {training['rows']} rows, {training['positives']} positive")

    with threadpool_limits(limits=1):
        model = build_model()
        start = time.perf_counter()
        model.fit(train_texts, train_labels)
        training["seconds"] = time.perf_counter() - start
        training["features"] = sum(len(t.vocabulary_) for _, t in model.named_steps["features"].transformer_list)
        training["iterations"] = int(max(model.named_steps["classifier"].n_iter_))
        log(f"trained in {training['seconds']:.2f} s: {training['features']} features, "
            f"{training['iterations']} L-BFGS iterations")

        sets = [
            ("vi_sms_smishing_ie403_dev", "Vietnamese SMS (IE403 dev.csv)", vi_rows),
            ("uci_held_out", "UCI SMS Spam held-out (position % 5 == 4)", uci_held_out),
            ("mishra_soni", f"Mishra-Soni, de-duplicated, less {mishra_in_uci} texts found in UCI", mishra_rows),
            ("vi_social_comments", "Vietnamese social-media comments (noisy spam labels)", social_rows),
        ]
        evaluation = {}
        for key, title, rows in sets:
            result = evaluate(model, rows)
            evaluation[key] = result
            log(f"\n{title}")
            log(f"  rows {result['rows']}, positives {result['positives']}  "
                f"(TP {result['tp']}, FP {result['fp']}, TN {result['tn']}, FN {result['fn']})")
            log(f"  accuracy {fmt(result['accuracy'])}  precision {fmt(result['precision'])}  "
                f"recall {fmt(result['recall'])}  F1 {fmt(result['f1'])}  "
                f"false-positive rate {fmt(result['false_positive_rate'])}")
            log(f"  speed, one core: batch {result['batch_messages_per_second']:,.0f} msg/s (one predict over the set); "
                f"per message {result['per_message_messages_per_second']:,.0f} msg/s "
                f"(p50 {result['latency_p50_us']:,.0f} us, p99 {result['latency_p99_us']:,.0f} us)")

    evaluation["mishra_soni"].update(rows_in_file=mishra_total, unique_texts=mishra_unique,
                                     removed_as_in_uci=mishra_in_uci)
    if args.json:
        print(json.dumps({
            "peer": "scikit-learn TfidfVectorizer(word 1-2 + char_wb 3-5) + LogisticRegression",
            "config": {"word_ngrams": [1, 2], "char_wb_ngrams": [3, 5], "sublinear_tf": True, "lowercase": True,
                       "strip_accents": "unicode", "C": 10, "class_weight": "balanced", "max_iter": 2000,
                       "random_state": RANDOM_STATE, "threshold": THRESHOLD},
            "versions": versions,
            "cpu": cpu,
            "corpus": str(args.corpus),
            "data": str(args.data),
            "training": training,
            "evaluation": evaluation,
        }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
