"""Pretends to sell a stock and returns the transaction."""

import datetime


def lambda_handler(event, context):
    price = event["stock_price"]
    return {
        "id": f"sell-{price}",
        "price": str(price),
        "type": "sell",
        "qty": "10",
        "timestamp": datetime.datetime(2024, 1, 1).isoformat(),
    }
