"""Tags an image by its file extension."""

import os


def handler(event, context):
    return {**event, "tags": [event["key"].rsplit(".", 1)[-1]], "table": os.environ.get("TABLE")}
