#!/usr/bin/env python3
"""Converts the PaySim sample into canhgiac's transfer CSV and per-transfer labels.

    python3 tools/paysim_to_transfers.py ../shared/data/txn_paysim_sample_3000/paysim_sample.csv /tmp/paysim

writes /tmp/paysim/transfers.csv and /tmp/paysim/labels.csv (id,is_fraud). A PaySim step is an hour (from
2026-01-01, Vietnam time; the rows of one step spread over it in file order); amounts are taken as đồng x 1,000
(PaySim's currency is unnamed: its amounts run from tens to millions); an account's bank is one of eight by its
number. The balance columns, which leak PaySim's label, are not used.
"""
import csv
import os
import sys

BANKS = ["VCB", "BIDV", "ICB", "ACB", "TCB", "MB", "VPB", "TPB"]
START = 1767200400  # 2026-01-01T00:00:00+07:00


def account(name):
    digits = "".join(c for c in name if c.isdigit()) or "0"
    return BANKS[int(digits) % len(BANKS)], digits.rjust(10, "0")


def main(source, out):
    os.makedirs(out, exist_ok=True)
    with open(source, newline="") as f:
        rows = list(csv.DictReader(f))
    per_step = {}
    for row in rows:
        per_step.setdefault(int(row["step"]), []).append(row)
    with open(os.path.join(out, "transfers.csv"), "w", newline="") as f, \
            open(os.path.join(out, "labels.csv"), "w", newline="") as g:
        transfers, labels = csv.writer(f), csv.writer(g)
        transfers.writerow(["id", "time", "amount", "payer_bank", "payer_account", "payee_bank", "payee_account",
                            "payee_name", "remark", "channel"])
        labels.writerow(["id", "is_fraud"])
        number = 0
        for step in sorted(per_step):
            hour = per_step[step]
            for k, row in enumerate(hour):
                number += 1
                transfer_id = f"P{number:06d}"
                payer_bank, payer_account = account(row["nameOrig"])
                payee_bank, payee_account = account(row["nameDest"])
                amount = max(1000, round(float(row["amount"]) * 1000))
                transfers.writerow([transfer_id, START + step * 3600 + k * 3600 // len(hour), amount, payer_bank,
                                    payer_account, payee_bank, payee_account, "", "", ""])
                labels.writerow([transfer_id, row["isFraud"]])
    print(f"{len(rows)} transfers -> {out}/transfers.csv, labels -> {out}/labels.csv")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
