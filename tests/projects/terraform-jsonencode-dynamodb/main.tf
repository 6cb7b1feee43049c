locals {
  name_prefix = "cart-${var.environment}"
  tags        = { Project = "cart", Environment = var.environment }
}

variable "environment" {
  type    = string
  default = "dev"
}

resource "aws_dynamodb_table" "carts" {
  name         = "${local.name_prefix}-carts"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "cartId"

  attribute {
    name = "cartId"
    type = "S"
  }
  tags = local.tags
}

resource "aws_sqs_queue" "checkout" {
  name                       = "${local.name_prefix}-checkout.fifo"
  fifo_queue                 = true
  content_based_deduplication = true
}
