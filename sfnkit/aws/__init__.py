"""sfnkit on AWS: run state machines on Step Functions itself, call real AWS services from local runs, and check
that both agree.

::

    import sfnkit, sfnkit.aws

    remote = sfnkit.aws.deploy(sm, name="orders", role_arn=role)        # create or update (idempotent)
    ex = remote.run({"order": 7})                                        # a RemoteExecution
    ex.status, ex.output, ex.history                                     # same surface as sfnkit.Execution
    remote.start({"order": 8}).follow(lambda u: print(len(u.history)))   # live updates
    sfnkit.aws.test_state(sm, "Charge", {"amount": 3}, role_arn=role)    # TestState, local stage names

    local = sfnkit.run(sm, input, resources=sfnkit.aws.integrations(endpoint_url=url))  # real SQS, S3, ...
    sfnkit.aws.compare(sm, input, remote=remote, resources=...)          # rows of per-state differences
    sfnkit.run(sm, input, storage=sfnkit.aws.S3Storage(endpoint_url=url))  # Distributed Map over real S3
    sfnkit.run(sm, input, services="local")                              # an embedded moto AWS, no account

boto3 is imported only when a function here is called (``pip install 'sfnkit[aws]'``).
"""

from sfnkit.aws.compare import compare
from sfnkit.aws.connection import Connection
from sfnkit.aws.integrations import Submitted, integrations
from sfnkit.aws.local import LocalAWS, local_aws
from sfnkit.aws.local_services import LocalServices, StubbedTaskWarning
from sfnkit.aws.remote import (
    FollowUpdate,
    Poll,
    RemoteExecution,
    RemoteStateMachine,
    TestStateResult,
    deploy,
    execution,
    list_executions,
    test_state,
)
from sfnkit.aws.storage import S3Storage

__all__ = [
    "Connection",
    "FollowUpdate",
    "LocalAWS",
    "LocalServices",
    "Poll",
    "RemoteExecution",
    "RemoteStateMachine",
    "S3Storage",
    "StubbedTaskWarning",
    "Submitted",
    "TestStateResult",
    "compare",
    "deploy",
    "execution",
    "integrations",
    "list_executions",
    "local_aws",
    "test_state",
]
