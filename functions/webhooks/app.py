"""POST /webhooks/{source} (monitoring webhooks) and GET /incidents/{id} (the incident doc page)."""

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from klaxon.webhooks import handle_request

logger = Logger()
tracer = Tracer()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle_request(event, context)
