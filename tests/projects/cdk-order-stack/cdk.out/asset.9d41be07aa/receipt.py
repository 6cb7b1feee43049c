"""Builds the receipt text of a saved order."""

import os


def handler(event, context):
    return {
        "orderId": event["orderId"],
        "receipt": f"order {event['orderId']}: {event['total']}",
        "table": os.environ.get("TABLE_NAME"),
    }
