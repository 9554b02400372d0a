"""The room station's main window, as a package a newcomer can change one part of at a time.

- ``actions``: the table of every action (text, shortcut, menu, big button) and what builds them;
- ``header``: the clock and board header, the banner and the «out of the room» table, which the
  one-second clock tick repaints;
- ``marking``: the marking controller (every mark the organizer makes, and its dialogs);
- ``printing``: printing, PDFs and the export to the stick, on the worker thread;
- ``views``: the room's list and its search, updated row by row;
- ``main``: ``RoomWindow``, which lays these out and owns the selection.

``from ui.room.window import RoomWindow`` keeps working for every caller.
"""

from ui.room.window.main import RoomWindow

__all__ = ["RoomWindow"]
