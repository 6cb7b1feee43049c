"""Tells the requester that the expense was rejected."""

import os


def handler(event, context):
    return {"notified": os.environ.get("TOPIC_ARN"), "decision": "rejected"}
