"""Pretends to resize an image: returns the thumbnail's key."""


def handler(event, context):
    return {"key": event["key"], "thumbnail": f"thumbs/{event['size']}/{event['key']}"}
