"""A second function whose module is also called app (the SAM default): each function keeps its own."""

import helpers


def handler(event, context):
    return {"message": helpers.greeting(event.get("id", "?"))}
