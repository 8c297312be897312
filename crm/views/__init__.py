"""The creator pages (server-rendered, no JavaScript needed): fans, inbox, settings, contact."""
