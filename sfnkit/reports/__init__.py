"""placeholder"""
from sfnkit.reports.frames import attempts, errors, events, failures, overview, states, summary
from sfnkit.reports.plots import durations, retries_failures, timeline
