"""Klaxon: a Slack-native incident manager. The domain every function shares."""
