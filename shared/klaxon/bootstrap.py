"""The one place that wires Klaxon to AWS and Slack, lazily and once per container.

Nothing is built at import: moto (in tests) must be running first, and a cold start should pay only
for what the first request needs. The entry points (klaxon.entrypoints) ask `runtime()` for what they
use; everything below them gets `Services` for one unit of work, whose message bus has the one table of
subscribers (`subscribe`): who reacts to which domain event.

Ports are typed with their protocols (Store, SlackGateway, SlackDirectory), so mypy --strict refuses an
adapter that drifts from what the domain expects.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

from klaxon import correlation
from klaxon.clock import Clock, SystemClock
from klaxon.metrics import Count, Measurement
from klaxon.settings import Settings, SlackCredentials, link_key
from klaxon.tracing import Segment, Trace

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
    from slack_sdk import WebClient

    from klaxon.configuration.model import Configuration, ConfigurationCache
    from klaxon.directory.ports import WorkspaceSlack
    from klaxon.doctor.checkup import Deployment
    from klaxon.doctor.ports import Installation
    from klaxon.events import Event
    from klaxon.incidents.desk import IncidentDesk
    from klaxon.incidents.ports import DocLinks, IncidentSlack
    from klaxon.messagebus import Subscribers
    from klaxon.ports import MessageReader, SlackDirectory, SlackGateway, Store
    from klaxon.services import Services
    from klaxon.slack.gateway import WebSlackGateway
    from klaxon.web.incident_pages import PageWork
    from klaxon.web.links import SignedLinks
    from klaxon.web.sns_https import SnsOverHttps

# Secrets Manager (and SSM) are read at most every five minutes per container; a rotated token, a new link
# key or a new public address takes effect then.
SECRET_MAX_AGE_SECONDS = 300
WEBHOOK_SECRET_PREFIX = "WEBHOOK_SECRET_"  # WEBHOOK_SECRET_<KEY>: a webhook source's secret, locally


class Runtime:
    """Settings, clients and repositories for one container, each built on first use."""

    def __init__(self, env: Mapping[str, str] | None = None, clock: Clock | None = None) -> None:
        self._env = env
        self.clock: Clock = clock or SystemClock()
        self._build_lock = threading.RLock()

    @cached_property
    def settings(self) -> Settings:
        return Settings.from_env(self._env)

    @property
    def credentials(self) -> SlackCredentials:
        """The Slack credentials: from Secrets Manager in AWS (cached), else from the environment."""
        arn = self.settings.slack_secret_arn
        if arn is None:
            return SlackCredentials.from_mapping(self._env or os.environ, "the environment")
        secret = self._secrets.get(arn, transform="json", max_age=SECRET_MAX_AGE_SECONDS)
        return SlackCredentials.from_mapping(secret, "the Slack secret")

    def webhook_secret(self, source: str) -> str | None:
        """A webhook source's secret: the key `source` of the stack's webhook secret in AWS (cached), else
        WEBHOOK_SECRET_<SOURCE> from the environment; None when it has none (the source accepts nothing)."""
        arn = self.settings.webhook_secret_arn
        if arn is None:
            return webhook_secrets_in(self._env or os.environ).get(source)
        secrets: Any = self._secrets.get(arn, transform="json", max_age=SECRET_MAX_AGE_SECONDS)
        found = secrets.get(source) if isinstance(secrets, dict) else None
        return (str(found).strip() or None) if found else None

    def webhook_keys(self) -> frozenset[str]:
        """Which keys the webhook secret has (the doctor's question; their values are never read out of here):
        in AWS the keys of the stack's webhook secret, else the WEBHOOK_SECRET_<KEY> variables that are set."""
        arn = self.settings.webhook_secret_arn
        if arn is None:
            return frozenset(webhook_secrets_in(self._env or os.environ))
        secrets: Any = self._secrets.get(arn, transform="json", max_age=SECRET_MAX_AGE_SECONDS)
        return frozenset(str(key) for key, value in secrets.items() if str(value).strip()) \
            if isinstance(secrets, dict) else frozenset()

    def link_key(self) -> bytes | None:
        """The key links to incident pages are signed with: the stack's link key secret in AWS (cached), else
        LINK_SIGNING_KEY from the environment; None when there is none (Klaxon then gives no links)."""
        arn = self.settings.link_key_secret_arn
        if arn is None:
            return link_key((self._env or os.environ).get("LINK_SIGNING_KEY", ""), "LINK_SIGNING_KEY")
        return link_key(str(self._secrets.get(arn, max_age=SECRET_MAX_AGE_SECONDS)), "the link key secret")

    def public_base_url(self) -> str | None:
        """Where Klaxon's pages are reached: the stack's SSM parameter in AWS (cached), else PUBLIC_BASE_URL;
        None when neither is set (no links)."""
        parameter = self.settings.public_base_url_parameter
        if parameter is None:
            return self.settings.public_base_url
        url = str(self._parameters.get(parameter, max_age=SECRET_MAX_AGE_SECONDS)).strip().rstrip("/")
        return url or None

    @cached_property
    def links(self) -> SignedLinks:
        """Every link Klaxon puts in Slack: signed with the link key, expiring (klaxon.web.links)."""
        from klaxon.web.links import SignedLinks

        return SignedLinks(key=self.link_key, base_url=self.public_base_url, clock=self.clock)

    def page_work(self) -> PageWork:
        """What the incident pages read, for one request of the webhooks function."""
        from klaxon.incidents.doc import read_doc
        from klaxon.incidents.history import history
        from klaxon.web.incident_pages import PageWork

        store = self.store
        return PageWork(signer=self.links.signer,
                        read_doc=lambda incident_id: read_doc(incident_id, store.incidents, store.alerts, store.pages),
                        history=lambda query: history(query, store.incidents, self.clock.now()),
                        # A page waits out only a short rate limit for a name: the id stands in after that.
                        names=self.sweep_directory.name, slack_url=self.sweep_directory.workspace_url,
                        now=self.clock.now)

    @cached_property
    def _parameters(self) -> Any:
        from aws_lambda_powertools.utilities.parameters import SSMProvider

        return SSMProvider(boto3_client=self._aws_client("ssm"))

    @cached_property
    def _secrets(self) -> Any:
        from aws_lambda_powertools.utilities.parameters import SecretsProvider

        return SecretsProvider(boto3_client=self._aws_client("secretsmanager"))

    @cached_property
    def store(self) -> Store:
        from klaxon.dynamo import DynamoStore

        return DynamoStore(self._aws_client("dynamodb"), self.settings.table_name, trace=self.trace)

    @cached_property
    def trace(self) -> Trace:
        """X-Ray segments around Slack's and DynamoDB's calls, through Powertools' Tracer (on first use)."""
        return XRayTrace()

    @cached_property
    def slack_client(self) -> WebClient:
        from klaxon.slack.client import web_client

        return web_client(self.credentials.bot_token, self.settings.slack_api_url, count=cloudwatch_count,
                          trace=self.trace)

    @cached_property
    def slack(self) -> SlackGateway:
        from klaxon.slack.gateway import WebSlackGateway

        return WebSlackGateway(self.slack_client)

    @cached_property
    def workspace_slack(self) -> WorkspaceSlack:
        """Slack's answers about the workspace, cached for the container (klaxon.slack.directory)."""
        from klaxon.slack.directory import WebSlackDirectory

        return WebSlackDirectory(self.slack_client)

    def directory(self, *, for_sweep: bool = False) -> SlackDirectory:
        """The workspace directory for one unit of work: ids from Slack, typed names from the snapshot."""
        from klaxon.directory.lookup import WorkspaceDirectory

        return WorkspaceDirectory(self.sweep_directory if for_sweep else self.workspace_slack, self.store.directory)

    @cached_property
    def _sweep_client(self) -> WebClient:
        """Slack for the sweep: it waits out short rate limits only, so a minute's work fits in a minute."""
        from klaxon.slack.client import web_client

        return web_client(self.credentials.bot_token, self.settings.slack_api_url, max_rate_limit_wait=3,
                          count=cloudwatch_count, trace=self.trace)

    @cached_property
    def _sweep_gateway(self) -> WebSlackGateway:
        from klaxon.slack.gateway import WebSlackGateway

        return WebSlackGateway(self._sweep_client)

    @property
    def sweep_slack(self) -> SlackGateway:
        return self._sweep_gateway

    @cached_property
    def incident_slack(self) -> IncidentSlack:
        from klaxon.slack.incidents import WebIncidentSlack

        return WebIncidentSlack(self.slack_client)

    @cached_property
    def _sweep_incident_slack(self) -> IncidentSlack:
        """Incidents' Slack for the sweep's reminders, on its briefly waiting client."""
        from klaxon.slack.incidents import WebIncidentSlack

        return WebIncidentSlack(self._sweep_client)

    @cached_property
    def sweep_directory(self) -> WorkspaceSlack:
        """The directory on the sweep's client: a group lookup or a list page must not wait out a long 429."""
        from klaxon.slack.directory import WebSlackDirectory

        return WebSlackDirectory(self._sweep_client)

    def services(self, *, for_sweep: bool = False) -> Services:
        """What one unit of work uses (the sweep's on its own, briefly waiting Slack client)."""
        return services(store=self.store, slack=self.sweep_slack if for_sweep else self.slack,
                        directory=self.directory(for_sweep=for_sweep), clock=self.clock,
                        configuration=self.configuration, incidents_channel=self.settings.incidents_channel,
                        admin_users=self.settings.admin_users, admin_group=self.settings.admin_user_group,
                        # `rule test <link>` reads through the client that waits out only short rate limits:
                        # history is limited to about a call a minute, and the person should hear that at once.
                        messages=self._sweep_gateway, count=cloudwatch_count,
                        incident_slack=self._sweep_incident_slack if for_sweep else self.incident_slack,
                        doc_links=self.links, installation=self.installation, deployment=self.deployment,
                        configuration_cache=self.configuration_cache)

    @cached_property
    def installation(self) -> Installation:
        """What Slack says of this installation (the doctor's questions), on the Slack client."""
        from klaxon.slack.installation import WebInstallation

        return WebInstallation(self.slack_client)

    def deployment(self) -> Deployment:
        """What the doctor knows of the deployment from inside a function, read when it asks. The webhook secret
        is the webhooks function's alone, so its keys are left to `make doctor`; the doctor is asked through
        requests Bolt verified with the signing secret, which proves it right."""
        from klaxon.doctor.checkup import Deployment
        from klaxon.slack.scopes import REQUIRED_SCOPES

        settings = self.settings
        return Deployment(required_scopes=REQUIRED_SCOPES, incidents_channel=settings.incidents_channel,
                          public_base_url=self.public_base_url(), link_key=self.link_key() is not None,
                          admin_users=settings.admin_users, admin_group=settings.admin_user_group, signed=True)

    @cached_property
    def slack_request_handler(self) -> Any:  # slack_bolt's SlackRequestHandler (its handle() is unannotated)
        """The container's one Bolt App behind one SlackRequestHandler, built on the first request; its lazy
        listeners re-invoke this function through Lambda (klaxon.slack.lazy)."""
        from klaxon.slack.app import build_app, request_handler
        from klaxon.slack.identity import bot_authorizer
        from klaxon.slack.lazy import lambda_invoker

        app = build_app(client=self.slack_client, signing_secret=self.credentials.signing_secret,
                        authorize=bot_authorizer(lambda: self.credentials.bot_token, self.slack_client),
                        services=self.services)
        return request_handler(app, lambda_invoker(self._aws_client("lambda")),
                               lambda: self.credentials.signing_secret)

    @cached_property
    def sns(self) -> SnsOverHttps:
        """SNS's certificates (cached here, per container) and subscription confirmations, over https."""
        from klaxon.web.sns_https import SnsOverHttps

        return SnsOverHttps(mirror=self.settings.sns_local_mirror)

    @cached_property
    def webhook_resolver(self) -> APIGatewayHttpResolver:
        """The container's one resolver for the webhooks function's routes."""
        from klaxon.web import build_resolver

        return build_resolver()

    @cached_property
    def configuration_cache(self) -> ConfigurationCache:
        # Imported here, not at the top: the rules engine is lazy work, not part of acking Slack.
        from klaxon.configuration.model import ConfigurationCache

        return ConfigurationCache()

    def configuration(self) -> Configuration:
        """The latest committed configuration (one small read to revalidate the cached copy)."""
        return self.configuration_cache.current(self.store.configuration)

    def _aws_client(self, service: str) -> Any:
        with self._build_lock:
            return self._aws_clients.setdefault(service, _new_aws_client(service))

    @cached_property
    def _aws_clients(self) -> dict[str, Any]:
        return {}


def services(*, store: Store, slack: SlackGateway, directory: SlackDirectory, clock: Clock,
             configuration: Callable[[], Configuration], count: Count, incident_slack: IncidentSlack,
             doc_links: DocLinks, incidents_channel: str | None = None, admin_users: frozenset[str] = frozenset(),
             admin_group: str | None = None, messages: MessageReader | None = None,
             installation: Installation | None = None,
             deployment: Callable[[], Deployment] | None = None,
             configuration_cache: ConfigurationCache | None = None) -> Services:
    """One unit of work's services, with a message bus whose subscribers (`subscribe`) use them.

    Configuration changes are worded for the audit trail as Slack shows them (it is read in Slack).
    """
    from klaxon.messagebus import MessageBus, Subscribers
    from klaxon.services import Services
    from klaxon.slack.renderers.commands import describe_change

    table = Subscribers()
    bus = MessageBus(table)
    work = Services(store=store, slack=slack, directory=directory, clock=clock, configuration=configuration,
                    publish=bus.publish, incidents_channel=incidents_channel, admin_users=admin_users,
                    admin_group=admin_group, messages=messages, describe_change=describe_change,
                    incident_slack=incident_slack, doc_links=doc_links, installation=installation,
                    deployment=deployment, configuration_cache=configuration_cache)
    subscribe(table, work, count)
    return work


def subscribe(table: Subscribers, work: Services, count: Count) -> Subscribers:
    """The one table of who reacts to which event (klaxon.events, klaxon.incidents.events), in the order they run:
    the features, then the metrics (klaxon.measurements).

    Every subscriber is idempotent: the bus retries one that fails (see klaxon.messagebus).
    """
    from klaxon import measurements
    from klaxon.alerts import handling
    from klaxon.events import (
        AlertAcknowledged,
        AlertRaised,
        AlertReopened,
        AlertRepeated,
        AlertResolved,
        LevelNotified,
        PageAcknowledged,
        PageEnded,
        PageStarted,
    )
    from klaxon.incidents import escalation, informing
    from klaxon.incidents.events import IncidentChanged, IncidentDeclared
    from klaxon.paging import service as paging

    def stop_page(event: AlertAcknowledged | AlertResolved) -> None:
        paging.stop_alert_page(event, work.pager())

    def acknowledge_alert(event: PageAcknowledged) -> None:
        handling.acknowledge_paged_alert(event, store=work.store, slack=work.slack, publish=work.publish)

    def acknowledge_declared_alert(event: IncidentDeclared) -> None:
        """Whoever declares an incident from an alert's post is on it: the alert is acknowledged (its page stops)."""
        if event.alert_id:
            handling.acknowledge(event.alert_id, event.incident.reporter, event.incident.declared_at,
                                 store=work.store, slack=work.slack, publish=work.publish)

    def on_incident(react: Callable[[Any, IncidentDesk], None]) -> Callable[[Any], None]:
        """An incident subscriber, given the unit of work's desk (its own changes are keyed by their origin)."""
        def run(event: Any) -> None:
            react(event, work.desk())

        run.__qualname__ = getattr(react, "__qualname__", repr(react))  # the bus names failing subscribers
        return run

    def counted[E: Event](measure: Callable[[E], list[Measurement]]) -> Callable[[E], None]:
        """A metrics subscriber: what `measure` finds in the event, sent where measurements go."""
        def run(event: E) -> None:
            for measurement in measure(event):
                count(measurement)

        run.__qualname__ = measure.__qualname__
        return run

    once = counted(measurements.once)
    return (table
            .on(AlertRaised, counted(measurements.alert_raised))
            .on(AlertRepeated, once)
            .on(AlertAcknowledged, stop_page, on_incident(informing.note_alert),
                counted(measurements.alert_acknowledged))
            .on(AlertResolved, stop_page, on_incident(informing.note_alert), once)
            .on(AlertReopened, once)
            .on(PageStarted, once)
            .on(LevelNotified, once)
            .on(PageAcknowledged, acknowledge_alert, on_incident(escalation.note_page_acknowledged), once)
            .on(PageEnded, on_incident(escalation.note_page_ended), once)
            .on(IncidentDeclared, acknowledge_declared_alert, counted(measurements.incident_declared))
            .on(IncidentChanged, on_incident(informing.redraw_headline), on_incident(informing.tell_the_channel),
                on_incident(informing.escalate_when_severe), on_incident(informing.keep_topic),
                on_incident(informing.ask_for_postmortem), counted(measurements.incident_changed)))


def cloudwatch_count(measurement: Measurement) -> None:
    """A measurement in CloudWatch's embedded metric format (the function's log is where CloudWatch reads it).

    Without dimensions or properties it joins the invocation's one metric set (Powertools' Metrics instances
    share it), flushed by the function's @metrics.log_metrics: a storm of repeats is one line, not thousands.
    With them it is a line of its own, written now (Powertools' single_metric), since a metric set has one set
    of dimensions and properties for all it holds.
    """
    from aws_lambda_powertools import Metrics, single_metric
    from aws_lambda_powertools.metrics import MetricUnit

    name, unit, value = measurement.metric.value, MetricUnit(measurement.unit.value), measurement.value
    if not measurement.dimensions and not measurement.properties:
        Metrics().add_metric(name=name, unit=unit, value=value)
        return
    with single_metric(name=name, unit=unit, value=value) as metric:  # with `service`, as Metrics' lines have
        for dimension, dimension_value in measurement.dimensions.items():
            metric.add_dimension(name=dimension, value=dimension_value)
        for key, property_value in measurement.properties.items():
            metric.add_metadata(key=key, value=property_value)


def webhook_secrets_in(env: Mapping[str, str]) -> dict[str, str]:
    """The webhook sources' secrets given as WEBHOOK_SECRET_<KEY> variables (locally; in AWS they are the keys of
    the stack's webhook secret): key (`gcp`, `grafana_hmac` …) → secret."""
    return {name.removeprefix(WEBHOOK_SECRET_PREFIX).lower(): value.strip() for name, value in env.items()
            if name.startswith(WEBHOOK_SECRET_PREFIX) and name != "WEBHOOK_SECRET_ARN" and value.strip()}


class XRayTrace:
    """Trace segments as X-Ray subsegments of the invocation's trace (the handlers' @tracer.capture_lambda_handler
    opens it), through Powertools' Tracer: disabled by POWERTOOLS_TRACE_DISABLED, as the tests set it."""

    def __init__(self) -> None:
        from aws_lambda_powertools import Tracer

        self._recorder = Tracer().provider

    def segment(self, name: str) -> AbstractContextManager[Segment]:
        # An X-Ray subsegment is a Segment; Powertools types its annotation values as numbers.Number, which mypy
        # cannot see int and float to be.
        return cast(AbstractContextManager[Segment], self._recorder.in_subsegment(name))


def _new_aws_client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    # One session for every client (boto3's default, which Bolt's lazy-listener runner uses too): the
    # endpoint data is parsed once per container, not once per client - a third of a cold start.
    # Standard retry mode backs off on throttling (ProvisionedThroughputExceeded, ThrottlingException).
    client: Any = boto3.client  # typed per service name by boto3-stubs; any service goes here
    return client(service, config=Config(retries={"mode": "standard", "max_attempts": 5}))


_runtime: Runtime | None = None
_clock: Clock | None = None
_runtime_lock = threading.Lock()


def runtime() -> Runtime:
    """This container's Runtime (on the first call, log lines start carrying correlation keys)."""
    global _runtime
    with _runtime_lock:
        if _runtime is None:
            _runtime = Runtime(clock=_clock)
            correlation.keep_in(LoggerKeys())
        return _runtime


class LoggerKeys:
    """Correlation keys (klaxon.correlation) as keys of the function's Powertools Logger, kept per thread: the
    local cloud serves several invocations at once in one process, which Lambda never does."""

    @cached_property
    def _logger(self) -> Any:  # a child of the handler's Logger(), which formats every klaxon line
        from aws_lambda_powertools import Logger

        return Logger(child=True)

    def append(self, **keys: str) -> None:
        if keys:
            self._logger.thread_safe_append_keys(**keys)

    def remove(self, names: Iterable[str]) -> None:
        if names:
            self._logger.thread_safe_remove_keys(names)


def cold_start(clock: Clock | None = None) -> None:
    """Forget this container's Runtime, as a new Lambda container would (the local cloud's restart).

    `clock` pins the next Runtime's time (tests that replay deliveries signed at a given moment, such as SNS
    messages whose certificate has since expired); None is the wall clock.
    """
    global _runtime, _clock
    with _runtime_lock:
        _runtime = None
        _clock = clock
