"""Returns a (deterministic, for local runs) stock price."""


def lambda_handler(event, context):
    return {"stock_price": int(event.get("price", 42))}
