"""The local cloud: `python -m infra.local serve --port N` runs template.yaml's stack on loopback."""

from infra.local.cloud import CloudOptions, LocalCloud

__all__ = ["CloudOptions", "LocalCloud"]
