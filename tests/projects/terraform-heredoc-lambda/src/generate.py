"""Generates an invoice id for an order."""


def handler(event, context):
    return {"invoiceId": f"INV-{event.get('orderId', 'unknown')}"}
