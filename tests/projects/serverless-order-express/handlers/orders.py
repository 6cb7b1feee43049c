"""Order handlers: validate an order, charge its card."""


class CardDeclined(Exception):
    pass


def validate(event, context):
    if "orderId" not in event:
        raise ValueError("orderId is required")
    return event


def charge(event, context):
    if event.get("card") == "declined":
        raise CardDeclined("the card was declined")
    return {**event, "charged": True}
