"""POST /webhooks/cloudwatch: CloudWatch alarms delivered by an Amazon SNS HTTP(S) subscription.

SNS sets no credentials; its signature is the proof. A delivery is believed only from a topic in
SNS_TOPIC_ARNS and only once SNS's signature on it checks out against SNS's own certificate (klaxon.monitoring.
sns): otherwise 401 and nothing is stored. Then a SubscriptionConfirmation is confirmed (its SubscribeURL
visited), an UnsubscribeConfirmation noted, and a Notification's alarm taken in. A certificate or confirmation
SNS cannot serve right now is a 503, which SNS retries.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from klaxon.monitoring import sns
from klaxon.monitoring.sources import cloudwatch
from klaxon.web.webhooks import WORK, Refusal, WebhookWork, answer, json_body, read_payload, sized_body, took

logger = Logger(child=True)
router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools' Router.__init__ is unannotated


@router.post(f"/webhooks/{cloudwatch.SOURCE}")
def receive() -> Response[dict[str, Any]]:
    work: WebhookWork = router.context[WORK]
    message = read_payload(sns.envelope, json_body(sized_body(router.current_event)))
    try:
        sns.admit(message, work.sns.topics, work.sns.certificates, work.now())
        if message.Type is sns.Delivery.SUBSCRIPTION_CONFIRMATION:
            work.sns.subscriptions.confirm(sns.subscribe_url(message))
            logger.info("SNS subscription confirmed", extra={"topic": message.TopicArn})
            return answer(HTTPStatus.OK, {"subscription": "confirmed", "topic": message.TopicArn})
    except sns.NotAuthentic as refused:
        logger.warning("SNS delivery refused", extra={"topic": message.TopicArn, "why": str(refused)})
        raise Refusal(HTTPStatus.UNAUTHORIZED, str(refused)) from None
    except sns.Unavailable as fault:
        raise Refusal(HTTPStatus.SERVICE_UNAVAILABLE, f"SNS could not be reached to check this delivery: {fault}") \
            from None
    if message.Type is sns.Delivery.UNSUBSCRIBE_CONFIRMATION:
        logger.info("SNS subscription ended", extra={"topic": message.TopicArn})
        return answer(HTTPStatus.OK, {"subscription": "ended", "topic": message.TopicArn})
    insufficient = work.preferences().insufficient_data
    return took(work, read_payload(lambda notification: cloudwatch.parse(notification, insufficient), message))
