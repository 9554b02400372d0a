"""What the room window says back: the advice panel under the seat map and the status bar.

Why apart from the window: after every mark the organizer reads here what was recorded and what the
rules advise next (call someone, draw up an act); the texts, their escaping and their colours are one
concern, and the window only asks for them."""

from __future__ import annotations

import html

from app.i18n import N_, _
from app.services.station import Recorded
from ui.room.journal import describe, event_title

PHASES = {"not-opened": N_("not opened"), "admission": N_("admission"), "in-progress": N_("exam in progress"),
          "audio": N_("listening part"), "evacuation": N_("evacuation"), "stopped": N_("stopped"),
          "closed": N_("closed")}


class AdviceView:
    """The advice panel (``w.advice``) and the status bar (``w.status``, ``w.notice``) of the window ``w``;
    the last mark shown stays in ``w.last_recorded`` (shown again in a new language or theme)."""

    def __init__(self, window):
        self.w = window

    def show_recorded(self, rec: Recorded) -> None:
        w = self.w
        w.last_recorded = rec
        w.last_advice = rec.advice
        e = rec.event
        head = html.escape(_("Recorded: {what}").format(what=describe(w.station, e, w.names)))
        items = []
        for a in rec.advice:
            extra = []
            if a.call:
                extra.append(_("call: {who}").format(who=_(a.call)))
            if a.act:
                extra.append(_("act: {form}").format(form=a.act))
            tail = f" <i>({html.escape('; '.join(extra))})</i>" if extra else ""
            items.append(f"<li style='{self._style(a.level == 'warning')}'>{html.escape(a.text())}{tail}</li>")
        w.advice.setHtml(f"<p>✔ {head}</p><ul>{''.join(items)}</ul>")
        w.status.showMessage(_("Recorded: {what}").format(what=_(event_title(w.station, e.kind, e.participant))),
                             5000)

    def _style(self, warning: bool) -> str:
        t = self.w.theme
        return f"background:{t.warn_bg}; color:{t.warn_fg}; font-weight:bold;" if warning else ""

    def show_message(self, text: str, warning: bool = False) -> None:
        self.w.advice.setHtml(f"<p style='{self._style(warning)}'>{html.escape(text)}</p>")
        self.w.status.showMessage(text, 8000)

    def show_notice(self, text: str) -> None:
        """A line that stays in the status bar (after set-up: the fingerprints to compare with HQ's)."""
        self.w.notice.setText(text)
        self.w.notice.setToolTip(text)
        self.w.notice.show()
        self.show_message(text)

    def show_done(self, html_text: str, status: str, ms: int) -> None:
        """A long operation's result: what was written where (advice panel and status bar)."""
        self.w.advice.setHtml(html_text)
        self.w.status.showMessage(status, ms)

    def show_status(self, state) -> None:
        """The room's phase and counts, always in the status bar."""
        c = state.counts()
        self.w.status.showMessage(_("{phase} · present {present} of {assigned} · absent {absent} · out {out} · "
                                    "handed in {finished}").format(
            phase=_(PHASES.get(state.phase, state.phase)), present=c["present"], assigned=c["assigned"],
            absent=c["absent"], out=c["out_of_room"], finished=c["finished"]))
