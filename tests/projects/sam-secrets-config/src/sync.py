"""Would call the partner API; locally it reports what it would have synced."""


def handler(event, context):
    return {"synced": bool(event.get("key")), "url": event.get("url")}
