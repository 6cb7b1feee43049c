terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = var.region
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "project" {
  type    = string
  default = "invoice"
}

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

data "archive_file" "generator" {
  type        = "zip"
  source_dir  = "${path.module}/src"
  output_path = "${path.module}/build/generator.zip"
}

resource "aws_iam_role" "lambda" {
  name = "${var.project}-lambda"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Action = "sts:AssumeRole", Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}

resource "aws_lambda_function" "generator" {
  function_name    = "${var.project}-generator"
  role             = aws_iam_role.lambda.arn
  handler          = "generate.handler"
  runtime          = "python3.12"
  filename         = data.archive_file.generator.output_path
  source_code_hash = data.archive_file.generator.output_base64sha256
  timeout          = 20

  environment {
    variables = {
      TOPIC_ARN = aws_sns_topic.invoices.arn
    }
  }
}

resource "aws_sns_topic" "invoices" {
  name = "${var.project}-ready"
}

resource "aws_sfn_state_machine" "invoice" {
  name     = "${var.project}-flow"
  role_arn = aws_iam_role.lambda.arn

  definition = <<EOF
{
  "Comment": "Generate an invoice and announce it (account ${data.aws_caller_identity.current.account_id})",
  "StartAt": "Generate",
  "States": {
    "Generate": {
      "Type": "Task",
      "Resource": "${aws_lambda_function.generator.arn}",
      "Retry": [{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 2}],
      "Next": "Announce"
    },
    "Announce": {
      "Type": "Task",
      "Resource": "arn:aws:states:::sns:publish",
      "Parameters": {
        "TopicArn": "${aws_sns_topic.invoices.arn}",
        "Message.$": "$.invoiceId"
      },
      "End": true
    }
  }
}
EOF
}
