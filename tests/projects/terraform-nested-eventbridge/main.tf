resource "aws_cloudwatch_event_bus" "orders" {
  name = "orders"
}

resource "aws_secretsmanager_secret" "payment_key" {
  name = "payments/api-key"
}

resource "aws_sfn_state_machine" "payment" {
  name = "take-payment"
  type = "EXPRESS"
  definition = jsonencode({
    StartAt = "Read key"
    States = {
      "Read key" = {
        Type       = "Task"
        Resource   = "arn:aws:states:::aws-sdk:secretsmanager:getSecretValue"
        Parameters = { SecretId = aws_secretsmanager_secret.payment_key.arn }
        ResultPath = null
        Next       = "Paid"
      }
      Paid = { Type = "Pass", Result = { paid = true }, End = true }
    }
  })
}

resource "aws_sfn_state_machine" "order" {
  name = "process-order"
  definition = jsonencode({
    StartAt = "Take payment"
    States = {
      "Take payment" = {
        Type     = "Task"
        Resource = "arn:aws:states:::states:startExecution.sync:2"
        Parameters = {
          StateMachineArn = aws_sfn_state_machine.payment.arn
          "Input.$"       = "$"
        }
        ResultSelector = { "payment.$" = "$.Output" }
        Next           = "Announce"
      }
      Announce = {
        Type     = "Task"
        Resource = "arn:aws:states:::events:putEvents"
        Parameters = {
          Entries = [{
            EventBusName = aws_cloudwatch_event_bus.orders.name
            Source       = "shop.orders"
            DetailType   = "OrderPaid"
            "Detail.$"   = "$"
          }]
        }
        End = true
      }
    }
  })
}
