"""Describes an uploaded image from its key."""


def handler(event, context):
    key = event["key"]
    return {"key": key, "format": key.rsplit(".", 1)[-1].lower(), "thumbnail": f"thumbs/{key}"}
