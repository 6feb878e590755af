"""What admins configure (SPEC §6): rules, channel defaults, preferences and policies as one versioned
snapshot (model.py), and the same as YAML for /klaxon export and import (as_code.py)."""
