"""The differential oracle: the reference JSONata (``jsonata@2.0.6`` from npm, what AWS Step Functions runs)
under node, answering the same expressions sfnkit evaluates (see ``tests/test_jsonata_oracle.py``)."""
