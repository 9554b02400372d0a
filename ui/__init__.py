"""PySide6 windows, views, dialogs and Qt models: a thin layer over app/ services."""
