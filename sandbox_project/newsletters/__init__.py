"""Newsletters, the weekly report and one-click unsubscribe."""
