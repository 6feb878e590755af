"""The workspace directory: typed names from a snapshot the sweep keeps, ids from Slack (klaxon.directory.lookup)."""
