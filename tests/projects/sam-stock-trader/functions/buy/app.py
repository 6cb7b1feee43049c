"""Pretends to buy a stock and returns the transaction."""

import datetime


def lambda_handler(event, context):
    price = event["stock_price"]
    return {
        "id": f"buy-{price}",
        "price": str(price),
        "type": "buy",
        "qty": "10",
        "timestamp": datetime.datetime(2024, 1, 1).isoformat(),
    }
