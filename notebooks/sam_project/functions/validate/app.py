"""Validates a coffee order and prices it (no AWS calls)."""

PRICES = {"espresso": 2.5, "latte": 3.8, "flat white": 3.6}


def handler(event, context):
    items = event.get("items") or []
    unknown = [i["product"] for i in items if i.get("product") not in PRICES]
    total = round(sum(PRICES.get(i.get("product"), 0) * int(i.get("quantity", 1)) for i in items), 2)
    return {
        "orderId": event["orderId"],
        "customer": event.get("customer", "anonymous"),
        "items": items,
        "total": total,
        "valid": bool(items) and not unknown,
        "unknown": unknown,
    }
