"""Reserves a car; fails when asked to, so the saga's compensation can be seen."""


def reserve(event, context):
    if event.get("fail_car"):
        raise RuntimeError("no cars left")
    return {"car": "compact", "status": "RESERVED"}
