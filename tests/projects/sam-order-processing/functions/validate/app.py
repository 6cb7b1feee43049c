"""Validates an order: it must have an orderId and at least one item."""

import os


def handler(event, context):
    if not event.get("orderId") or not event.get("items"):
        raise ValueError("an order needs an orderId and items")
    return {**event, "stage": os.environ.get("STAGE", "dev")}
