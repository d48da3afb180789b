#!/usr/bin/env python3
"""Converts an IBM AMLSim sample (nodes.csv, transactions.csv) into canhgiac's transfer CSV and a label file.

    python3 tools/amlsim_to_transfers.py ../shared/data/aml_amlsim_ibm_samples/20K_fanin200 /tmp/fanin

writes /tmp/fanin/transfers.csv (id,time,amount,payer_bank,payer_account,payee_bank,payee_account,payee_name,
remark,channel) and /tmp/fanin/accounts.csv (payee_bank,payee_account,is_fraud).

Choices, because AMLSim is not Vietnamese and has no clock finer than a day:
- a step is a day, from 2026-01-01 (Vietnam time); the transfers of one step are spread evenly between 07:00 and
  22:00 in file order, so the hour windows see a day's traffic at a plausible pace;
- amounts are in US dollars: multiplied by 25,000 to đồng, rounded to 1,000;
- every account gets one of eight large banks by its node number and a 10-digit account number from it;
- there are no remarks or channels (the columns are left empty).
"""
import csv
import os
import sys

BANKS = ["VCB", "BIDV", "ICB", "ACB", "TCB", "MB", "VPB", "TPB"]
START = 1767200400  # 2026-01-01T00:00:00+07:00
DAY_START, DAY_LENGTH = 7 * 3600, 15 * 3600
VND_PER_DOLLAR = 25_000


def account(node):
    node = int(node)
    return BANKS[node % len(BANKS)], f"{1_000_000_000 + node:010d}"


def main(sample, out):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(sample, "transactions.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    per_step = {}
    for row in rows:
        per_step.setdefault(int(row["time"]), []).append(row)
    with open(os.path.join(out, "transfers.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "time", "amount", "payer_bank", "payer_account", "payee_bank", "payee_account",
                         "payee_name", "remark", "channel"])
        number = 0
        for step in sorted(per_step):
            day = per_step[step]
            for k, row in enumerate(day):
                at = START + step * 86400 + DAY_START + k * DAY_LENGTH // len(day)
                amount = max(1000, round(float(row["value"]) * VND_PER_DOLLAR / 1000) * 1000)
                payer_bank, payer_account = account(row["sourceNodeId"])
                payee_bank, payee_account = account(row["targetNodeId"])
                number += 1
                writer.writerow([f"T{number:07d}", at, amount, payer_bank, payer_account, payee_bank, payee_account,
                                 "", "", ""])
    with open(os.path.join(sample, "nodes.csv"), newline="") as f, \
            open(os.path.join(out, "accounts.csv"), "w", newline="") as g:
        writer = csv.writer(g)
        writer.writerow(["bank", "account", "is_fraud"])
        for row in csv.DictReader(f):
            bank, number_text = account(row["nodeid"])
            writer.writerow([bank, number_text, row["isFraud"]])
    print(f"{len(rows)} transfers over {len(per_step)} days -> {out}/transfers.csv, accounts -> {out}/accounts.csv")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
