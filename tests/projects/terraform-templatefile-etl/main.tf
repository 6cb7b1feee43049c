variable "bucket_name" {
  type    = string
  default = "analytics-lake-example"
}

variable "max_concurrency" {
  type    = number
  default = 4
}

resource "aws_s3_bucket" "lake" {
  bucket = var.bucket_name
}

resource "aws_glue_job" "partition" {
  name     = "partition-events"
  role_arn = "arn:aws:iam::123456789012:role/glue"
  command {
    script_location = "s3://${aws_s3_bucket.lake.bucket}/scripts/partition.py"
  }
}

resource "aws_athena_workgroup" "reports" {
  name = "reports"
}

resource "aws_sfn_state_machine" "etl" {
  name     = "events-etl"
  role_arn = "arn:aws:iam::123456789012:role/etl-states"
  definition = templatefile("${path.module}/definitions/etl.asl.json", {
    glue_job        = aws_glue_job.partition.name
    bucket          = aws_s3_bucket.lake.bucket
    workgroup       = aws_athena_workgroup.reports.name
    max_concurrency = var.max_concurrency
  })
}
