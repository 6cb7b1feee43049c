"""Reserves and cancels flights (a local stand-in for an airline API)."""


def reserve(event, context):
    return {"flight": event.get("flight", "SFN101"), "status": "RESERVED"}


def cancel(event, context):
    return {"flight": event.get("flight", "SFN101"), "status": "CANCELLED"}
