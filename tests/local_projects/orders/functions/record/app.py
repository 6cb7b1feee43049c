"""Writes the order to DynamoDB and announces it on SQS, through boto3 clients made at import time (the usual
Lambda pattern), configured only by the environment."""

import json
import os
from decimal import Decimal

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
SQS = boto3.client("sqs")


def handler(event, context):
    order = event["order"]
    TABLE.put_item(Item={"id": order["id"], "amount": Decimal(str(order["amount"])), "status": "RECORDED"})
    url = SQS.get_queue_url(QueueName=os.environ["QUEUE_NAME"])["QueueUrl"]
    SQS.send_message(QueueUrl=url, MessageBody=json.dumps({"orderId": order["id"]}))
    item = TABLE.get_item(Key={"id": order["id"]})["Item"]
    return {
        "id": item["id"],
        "amount": item["amount"],
        "function": context.function_name,
        "stage": os.environ.get("STAGE"),
    }
