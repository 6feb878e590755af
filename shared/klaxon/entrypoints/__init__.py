"""The three functions' bodies: each parses what Lambda hands it and calls into klaxon through the one
wiring point (klaxon.bootstrap). functions/*/app.py are Powertools decorators and one call to these.

    slack_events.py   POST /slack/events (and Bolt's lazy re-invocations)   SlackAppFunction
    sweep.py          the EventBridge schedule, every minute                 SweepFunction
    http.py           POST /webhooks/{source}, GET /incidents/{id}           WebhooksFunction
"""
