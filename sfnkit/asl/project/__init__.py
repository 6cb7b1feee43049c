"""Template projects (SAM, CloudFormation, CDK synth output, serverless.yml, Terraform) as sources of state
machines.

``model`` holds the plain data the readers produce and the local AWS consumes; ``load`` recognises a template or
project folder and builds its state machines (``sfnkit.load(path, name=...)``, ``sfnkit.state_machines(path)``);
``decode`` reads YAML/JSON templates with a line and column on every node; ``cloudformation``, ``serverless`` and
``terraform`` are the readers; ``intrinsics`` evaluates CloudFormation's intrinsic functions and ``names`` gives
every resource its deterministic local name and ARN; ``base`` is what the readers share.
"""
