"""Records a validated order in DynamoDB and announces it on SQS. The clients are made at import time and find
their endpoint, region and credentials in the environment, as on AWS Lambda."""

import json
import os
from decimal import Decimal

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
sqs = boto3.client("sqs")


def handler(event, context):
    item = {
        "orderId": event["orderId"],
        "customer": event["customer"],
        "total": Decimal(str(event["total"])),
        "status": "RECORDED",
        "stage": os.environ["STAGE"],
    }
    table.put_item(Item=item)
    sqs.send_message(
        QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps({"event": "recorded", "orderId": event["orderId"]})
    )
    return {"orderId": item["orderId"], "total": item["total"], "by": context.function_name}
