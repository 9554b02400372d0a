"""The HQ station (Штаб ППЭ): every room of the exam point, acts, reports."""
