"""Build state machines in Python: ASL's states as classes, Choice rules as expressions, functions as tasks.

::

    from sfnkit.build import Machine, Pass, Choice, Succeed, Fail, P, task, Retry, errors

    @task(result_path="$.score", retry=[Retry([errors.TASK_FAILED], max_attempts=2)])
    def score(event):
        return event["x"] * 2

    route = Choice("Route").when(P.input.score > 10, Succeed("High")).otherwise(Fail("Low", error="TooLow"))
    sm = Machine(Pass("Start") >> score >> route).build()     # an ordinary sfnkit.StateMachine
    sfnkit.run(sm, {"x": 7}).output                           # score runs in the kernel: no resources=

``sfnkit.to_python(sm)`` writes this kind of code for any definition. The modules: :mod:`.states` (state classes,
chaining, :class:`Machine`), :mod:`.rules` (the path object ``P`` and Choice rules), :mod:`.tasks` (Python
functions and service integrations), :mod:`.codegen` (``to_python``), :mod:`.fields` (keywords and origins).
"""

from sfnkit import errors
from sfnkit.build.codegen import to_python
from sfnkit.build.fields import BuildError
from sfnkit.build.rules import And, Not, Or, P, Path, Rule, Test
from sfnkit.build.states import (
    Branch,
    Catch,
    Chain,
    Choice,
    Fail,
    ItemBatcher,
    ItemReader,
    Machine,
    Map,
    Parallel,
    Pass,
    Processor,
    PythonFunction,
    ReaderConfig,
    ResultWriter,
    Retry,
    State,
    Succeed,
    Task,
    Wait,
    When,
    chain,
)
from sfnkit.build.tasks import (
    STATE_INPUT,
    FunctionTask,
    ServiceTask,
    batch_submit_job,
    dynamodb,
    ecs_run_task,
    glue_start_job_run,
    lambda_invoke,
    sagemaker_create_endpoint,
    sagemaker_create_endpoint_config,
    sagemaker_create_model,
    sagemaker_create_training_job,
    sagemaker_create_transform_job,
    sns_publish,
    sqs_send_message,
    start_execution,
    task,
)

__all__ = [
    "STATE_INPUT",
    "And",
    "Branch",
    "BuildError",
    "Catch",
    "Chain",
    "Choice",
    "Fail",
    "FunctionTask",
    "ItemBatcher",
    "ItemReader",
    "Machine",
    "Map",
    "Not",
    "Or",
    "P",
    "Parallel",
    "Pass",
    "Path",
    "Processor",
    "PythonFunction",
    "ReaderConfig",
    "ResultWriter",
    "Retry",
    "Rule",
    "ServiceTask",
    "State",
    "Succeed",
    "Task",
    "Test",
    "Wait",
    "When",
    "batch_submit_job",
    "chain",
    "dynamodb",
    "ecs_run_task",
    "errors",
    "glue_start_job_run",
    "lambda_invoke",
    "sagemaker_create_endpoint",
    "sagemaker_create_endpoint_config",
    "sagemaker_create_model",
    "sagemaker_create_training_job",
    "sagemaker_create_transform_job",
    "sns_publish",
    "sqs_send_message",
    "start_execution",
    "task",
    "to_python",
]
