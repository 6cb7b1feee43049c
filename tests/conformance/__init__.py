"""Conformance suite: ASL executions recorded on real AWS Step Functions, replayed against sfnkit."""
