"""placeholder"""
from sfnkit.reports.frames import attempts, errors, events, failures, overview, states, summary
