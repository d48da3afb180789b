#!/usr/bin/env python3
"""Measures a screening replay against account labels.

    python3 tools/eval_screen.py transfers.csv decisions.csv accounts.csv
    python3 tools/eval_screen.py --transfer-labels transfers.csv decisions.csv labels.csv

With account labels (bank,account,is_fraud), an account counts as flagged when any transfer into it got `warn` or worse. Prints precision and recall of the
flagged accounts against the fraud labels, the share of all transfers warned, held or blocked (the customers
bothered), and which reason codes the flagging transfers carried. With transfer labels (id,is_fraud), a transfer
counts as flagged when it got `warn` or worse. `--json` prints the figures as JSON.
"""
import collections
import csv
import json
import sys


def by_transfer(transfers_path, decisions_path, labels_path, as_json):
    with open(decisions_path, newline="") as f:
        decisions = {row["id"]: row["decision"] for row in csv.DictReader(f)}
    with open(labels_path, newline="") as f:
        fraud = {row["id"] for row in csv.DictReader(f) if row["is_fraud"].strip() == "1"}
    flagged = {i for i, d in decisions.items() if d in ("warn", "hold", "block")}
    true_positive = len(flagged & fraud)
    precision = true_positive / len(flagged) if flagged else 0.0
    recall = true_positive / len(fraud) if fraud else 0.0
    result = {"transfers": len(decisions), "fraud_transfers": len(fraud), "flagged_transfers": len(flagged),
              "flagged_fraud_transfers": true_positive, "precision": round(precision, 4), "recall": round(recall, 4),
              "share_bothered": round(len(flagged) / len(decisions), 4) if decisions else 0.0}
    if as_json:
        print(json.dumps(result))
        return
    print(f"transfers {len(decisions)}, fraud {len(fraud)}; flagged {len(flagged)}, of them fraud {true_positive}")
    print(f"precision {precision:.3f}  recall {recall:.3f}; transfers warned or held {100 * result['share_bothered']:.2f}%")


def main(transfers_path, decisions_path, accounts_path, as_json):
    with open(decisions_path, newline="") as f:
        decisions = {row["id"]: row for row in csv.DictReader(f)}
    fraud, accounts = set(), set()
    with open(accounts_path, newline="") as f:
        for row in csv.DictReader(f):
            key = (row["bank"], row["account"])
            accounts.add(key)
            if row["is_fraud"].strip() == "1":
                fraud.add(key)
    flagged, bothered, total = set(), 0, 0
    reasons = collections.Counter()
    decided = collections.Counter()
    with open(transfers_path, newline="") as f:
        for row in csv.DictReader(f):
            decision = decisions.get(row["id"])
            if decision is None:
                continue
            total += 1
            decided[decision["decision"]] += 1
            if decision["decision"] in ("warn", "hold", "block"):
                bothered += 1
                flagged.add((row["payee_bank"], row["payee_account"]))
                for code in filter(None, decision["reasons"].split("|")):
                    reasons[code] += 1
    true_positive = len(flagged & fraud)
    precision = true_positive / len(flagged) if flagged else 0.0
    recall = true_positive / len(fraud) if fraud else 0.0
    result = {
        "transfers": total,
        "accounts": len(accounts),
        "fraud_accounts": len(fraud),
        "flagged_accounts": len(flagged),
        "flagged_fraud_accounts": true_positive,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
        "share_bothered": round(bothered / total, 4) if total else 0.0,
        "decisions": dict(decided),
        "reasons": dict(reasons.most_common()),
    }
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    print(f"transfers {total}; accounts {len(accounts)}, fraud {len(fraud)}")
    print(f"flagged accounts {len(flagged)}, of them fraud {true_positive}")
    print(f"precision {precision:.3f}  recall {recall:.3f}  F1 {result['f1']:.3f}")
    print(f"transfers warned or held: {bothered} = {100 * result['share_bothered']:.2f}%  {dict(decided)}")
    print("reasons on warned transfers:", ", ".join(f"{c} {n}" for c, n in reasons.most_common()))


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a not in ("--json", "--transfer-labels")]
    if len(arguments) != 3:
        sys.exit(__doc__)
    if "--transfer-labels" in sys.argv:
        by_transfer(*arguments, as_json="--json" in sys.argv)
    else:
        main(*arguments, as_json="--json" in sys.argv)
