"""Prices an order: sums quantity * unit price over its lines."""


def handler(event, context):
    total = sum(line["qty"] * line["price"] for line in event.get("lines", []))
    return {**event, "total": round(total, 2)}
