"""The one reader of yes/no words, for settings, request parameters and imported cells alike."""

TRUE_WORDS = ("1", "true", "yes", "on", "ya")
FALSE_WORDS = ("0", "false", "no", "off", "tidak", "")
WORDS = "1/0, true/false, yes/no, on/off, ya/tidak"


def read_bool(value):
    """Return True or False for a yes/no word (any case, spaces around ignored), None for anything else."""
    if isinstance(value, bool):
        return value
    word = ("" if value is None else str(value)).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None
