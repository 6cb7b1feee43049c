"""Processes one S3 object: returns its key and a row count placeholder."""


def main(event, context):
    return {"key": event["key"], "rows": 0}
