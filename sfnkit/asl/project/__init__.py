"""Template projects (SAM, CloudFormation, CDK synth output, serverless.yml, Terraform) as sources of state
machines. ``model`` holds the plain data the readers produce and the local AWS consumes."""
