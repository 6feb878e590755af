"""How Klaxon words counts in what it says: `1 alert`, `3 alerts`, `2 escalation policies`."""


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """`number` and the noun, singular for one and plural (`noun` + s unless given) otherwise."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
