"""The room station's main window, as a package a newcomer can change one part of at a time.

- ``actions``: the table of every action (text, shortcut, menu, big button) and what builds them;
- ``header``: the clock and board header, the banner and the «out of the room» table, which the
  one-second clock tick repaints;
- ``marking``: the marking controller (every mark the organizer makes, and its dialogs);
- ``printing``: printing, PDFs and the export to the stick, on the worker thread;
- ``clock``: the one-second tick (board values, who is out, the rules' warnings, marks made elsewhere);
- ``advice``: what the window says back (the advice panel and the status bar);
- ``view_options``: theme, text size, language and board mode;
- ``day``: the day's milestones (start of the day, another date, end of the exam, quitting mid-exam);
- ``search``: typing, Enter and a scanner's burst in the search box;
- ``views``: the room's list, updated row by row;
- ``forwarding``: the window's methods that are its controllers' (``window.admit()``);
- ``main``: ``RoomWindow``, which lays these out and owns the selection.

``from ui.room.window import RoomWindow`` keeps working for every caller.
"""

from ui.room.window.main import RoomWindow

__all__ = ["RoomWindow"]
