"""The embedded AWS of ``services="local"``: moto in-process (``mock_aws``) next to a ``ThreadedMotoServer`` on
127.0.0.1, each in a fresh process: start-up, the first table, and the cost of a DynamoDB ``PutItem`` and an SQS
``SendMessage``. sfnkit uses the server (see ``sfnkit/aws/local.py`` for why); this prints what that costs.

::

    python bench/local_aws.py            # 200 calls of each, both modes, twice
    python bench/local_aws.py --calls 1000
"""

from __future__ import annotations

import argparse
import subprocess
import sys

_ONE = r"""
import logging, os, sys, time
os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
logging.getLogger("werkzeug").setLevel(logging.ERROR)
mode, n = sys.argv[1], int(sys.argv[2])
t0 = time.perf_counter()
import boto3
if mode == "in-process":
    from moto import mock_aws
    mock = mock_aws(); mock.start(); url = None
else:
    from moto.server import ThreadedMotoServer
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False); server.start()
    host, port = server.get_host_and_port(); url = f"http://{host}:{port}"
t1 = time.perf_counter()
db = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=url)
db.create_table(TableName="t", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
t2 = time.perf_counter()
for i in range(n):
    db.put_item(TableName="t", Item={"k": {"S": str(i)}})
t3 = time.perf_counter()
sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=url)
q = sqs.create_queue(QueueName="q")["QueueUrl"]
t4 = time.perf_counter()
for i in range(n):
    sqs.send_message(QueueUrl=q, MessageBody="x")
t5 = time.perf_counter()
print(f"{t1 - t0:.2f} {t2 - t1:.2f} {(t3 - t2) / n * 1000:.2f} {(t5 - t4) / n * 1000:.2f}")
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    print(f"{'mode':12} {'start s':>8} {'1st table s':>12} {'PutItem ms':>11} {'SendMessage ms':>15}")
    for _ in range(args.rounds):
        for mode in ("in-process", "server"):
            out = subprocess.run(
                [sys.executable, "-c", _ONE, mode, str(args.calls)],
                capture_output=True,
                text=True,
                check=True,
                timeout=600,
            ).stdout.split()
            start, table, put, send = out
            print(f"{mode:12} {start:>8} {table:>12} {put:>11} {send:>15}")


if __name__ == "__main__":
    main()
