"""The home page, the per-role dashboard and the language switcher (``routes``), and the
registry of dashboard panels that each domain fills (``panels``)."""
