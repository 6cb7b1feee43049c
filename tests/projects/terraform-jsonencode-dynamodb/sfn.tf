resource "aws_sfn_state_machine" "checkout" {
  name     = "${local.name_prefix}-checkout"
  role_arn = "arn:aws:iam::123456789012:role/cart-states"
  type     = "STANDARD"

  definition = jsonencode({
    Comment = "Load a cart, total it, queue the checkout"
    StartAt = "Load cart"
    States = {
      "Load cart" = {
        Type     = "Task"
        Resource = "arn:aws:states:::dynamodb:getItem"
        Parameters = {
          TableName = aws_dynamodb_table.carts.name
          Key       = { cartId = { "S.$" = "$.cartId" } }
        }
        ResultSelector = { "items.$" = "$.Item.items.L" }
        ResultPath     = "$.cart"
        Next           = "Has items?"
      }
      "Has items?" = {
        Type    = "Choice"
        Choices = [{ Variable = "$.cart.items[0]", IsPresent = true, Next = "Queue checkout" }]
        Default = "Empty cart"
      }
      "Queue checkout" = {
        Type     = "Task"
        Resource = "arn:aws:states:::sqs:sendMessage"
        Parameters = {
          QueueUrl               = aws_sqs_queue.checkout.url
          "MessageBody.$"        = "$"
          MessageGroupId         = "checkout"
        }
        End = true
      }
      "Empty cart" = {
        Type  = "Fail"
        Error = "EmptyCart"
        Cause = "the cart has no items"
      }
    }
  })
}
